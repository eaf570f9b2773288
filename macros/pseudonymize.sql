{#- A keyed hash of a value (hex SHA-256 of the secret key followed by the
    value), so contacts can be joined and counted without being readable.
    NULL stays NULL.

    DuckDB reads the key from the session variable leadpulse_hash_key, set
    at connection time by the leadpulse dbt-duckdb plugin from the env var
    DBT_ENV_SECRET_LEADPULSE_HASH_KEY (profiles.yml): the key is never part
    of compiled SQL, so it never reaches target/ or logs/. A session without
    the variable fails loudly instead of hashing with no key. -#}
{% macro pseudonymize(expr) -%}
    {{ return(adapter.dispatch('pseudonymize', 'leadpulse')(expr)) }}
{%- endmacro %}

{#- Engines without a session variable set by the profile: the key comes
    from the plain env var LEADPULSE_HASH_KEY and IS written into compiled
    SQL (dbt forbids DBT_ENV_SECRET_ vars outside profiles). Give such an
    engine its own <adapter>__pseudonymize reading a session setting. -#}
{% macro default__pseudonymize(expr) -%}
    {%- set key = env_var('LEADPULSE_HASH_KEY', '') -%}
    {%- if execute -%}
        {{ log(
            'WARNING: adapter ' ~ target.type ~ ' has no session key for'
            ~ ' pseudonymize: LEADPULSE_HASH_KEY is inlined into compiled SQL'
            ~ (' (unset: public development key)' if not key else ''),
            info=true
        ) }}
    {%- endif -%}
    {%- set key = key or 'leadpulse-dev-key-not-secret' -%}
    sha2(concat('{{ key.replace("'", "''") }}', {{ expr }}), 256)
{%- endmacro %}

{% macro duckdb__pseudonymize(expr) -%}
    sha256(
        coalesce(
            getvariable('leadpulse_hash_key'),
            error(
                'session variable leadpulse_hash_key is not set: add the'
                || ' leadpulse.duckdb_plugin plugin to the profile'
            )
        )
        || {{ expr }}
    )
{%- endmacro %}
