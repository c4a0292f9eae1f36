{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['video_id', 'date', 'device_type'],
          partition_by=['date'], incremental_predicates=gold_target_since('date'),
          delete_missing_in_window=true, on_schema_change='append_new_columns') }}

select
    f.video_id,
    f.channel_id,
    f.date,
    coalesce(t.content_type, 'UNSPECIFIED') as content_type,
    f.device_type as device_type,
    coalesce(d.device_name, f.device_type) as device_name,
    f.views,
    f.estimated_minutes_watched
from {{ source('silver', 'fact_video_device_metrics') }} as f
left join {{ source('silver', 'dim_device') }} as d
    on d.device_type = f.device_type
left join {{ ref('video_content_type') }} as t
    on t.video_id = f.video_id
{% if is_incremental() %}
where f.date >= {{ gold_since() }}
{% endif %}
