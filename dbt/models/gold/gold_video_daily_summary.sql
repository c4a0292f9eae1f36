{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['video_id', 'date'],
          partition_by=['date'], incremental_predicates=gold_target_since('date'),
          delete_missing_in_window=true, on_schema_change='append_new_columns') }}

select
    f.video_id,
    f.channel_id,
    f.date,
    coalesce(t.content_type, 'UNSPECIFIED') as content_type,
    f.views,
    f.likes,
    f.comments,
    f.estimated_minutes_watched,
    f.average_view_duration_seconds,
    f.engaged_views
from {{ source('silver', 'fact_video_daily_metrics') }} as f
left join {{ ref('video_content_type') }} as t
    on t.video_id = f.video_id
{% if is_incremental() %}
where f.date >= {{ gold_since() }}
{% endif %}
