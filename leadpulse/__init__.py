"""leadpulse: lead-activity segmentation on dbt, with a thin Python harness."""

__version__ = "0.1.0"
