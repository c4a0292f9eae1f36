{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['video_id', 'date', 'source_id'],
          partition_by=['date'], incremental_predicates=gold_target_since('date'),
          delete_missing_in_window=true, on_schema_change='append_new_columns') }}

select
    f.video_id,
    f.channel_id,
    f.date,
    coalesce(t.content_type, 'UNSPECIFIED') as content_type,
    f.traffic_source as source_id,
    coalesce(d.source_name, f.traffic_source) as source_name,
    f.views,
    f.estimated_minutes_watched
from {{ source('silver', 'fact_video_traffic_source_metrics') }} as f
left join {{ source('silver', 'dim_traffic_source') }} as d
    on d.source_id = f.traffic_source
left join {{ ref('video_content_type') }} as t
    on t.video_id = f.video_id
{% if is_incremental() %}
where f.date >= {{ gold_since() }}
{% endif %}
