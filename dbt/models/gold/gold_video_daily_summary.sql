{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['video_id', 'date'],
          partition_by=['date'], incremental_predicates=gold_target_since('date'),
          delete_missing_in_window=true, on_schema_change='append_new_columns') }}

select
    video_id,
    channel_id,
    date,
    views,
    likes,
    comments,
    estimated_minutes_watched,
    average_view_duration_seconds,
    engaged_views
from {{ source('silver', 'fact_video_daily_metrics') }}
{% if is_incremental() %}
where date >= {{ gold_since() }}
{% endif %}
