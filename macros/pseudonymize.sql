{#- A keyed hash of a value (hex SHA-256 of the secret key followed by the
    value), so contacts can be joined and counted without being readable.
    The key comes from the env var LEADPULSE_HASH_KEY; without it a fixed
    development key is used and a warning is logged, because hashes made
    with a public key can be reversed by hashing candidate phones or emails.
    NULL stays NULL. -#}
{% macro pseudonymize(expr) -%}
    {%- set key = env_var('LEADPULSE_HASH_KEY', '') -%}
    {%- if not key -%}
        {%- set key = 'leadpulse-dev-key-not-secret' -%}
        {%- if execute -%}
            {{ log(
                'WARNING: LEADPULSE_HASH_KEY is not set; phone and email'
                ~ ' hashes use the public development key. Set it to a'
                ~ ' secret before loading real contacts.',
                info=true
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(adapter.dispatch('pseudonymize', 'leadpulse')(
        expr, key.replace("'", "''")
    )) }}
{%- endmacro %}

{% macro default__pseudonymize(expr, key) -%}
    sha2(concat('{{ key }}', {{ expr }}), 256)
{%- endmacro %}

{% macro duckdb__pseudonymize(expr, key) -%}
    sha256('{{ key }}' || {{ expr }})
{%- endmacro %}
