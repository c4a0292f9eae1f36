{# Thumbnail impressions and their click-through rate per video, day, traffic source, operating system and
   device type, from the bulk reach report (channel_reach_combined_a1). The traffic source detail is summed
   away; the CTR of the summed rows is weighted by impressions, never an average of rates. #}
{{ config(materialized='table') }}

select
    r.video_id,
    r.channel_id,
    r.date,
    coalesce(t.content_type, 'UNSPECIFIED') as content_type,
    r.traffic_source as source_id,
    coalesce(d.source_name, r.traffic_source) as source_name,
    r.device as device_type,
    r.operating_system_name as operating_system,
    sum(r.video_thumbnail_impressions) as impressions,
    {{ weighted_ctr('r.video_thumbnail_impressions', 'r.video_thumbnail_impressions_ctr') }} as impressions_ctr
from {{ source('silver', 'silver_report_reach_combined') }} as r
left join {{ source('silver', 'dim_traffic_source') }} as d
    on d.source_id = r.traffic_source
left join {{ ref('video_content_type') }} as t
    on t.video_id = r.video_id
group by r.video_id, r.channel_id, r.date, t.content_type, r.traffic_source, d.source_name, r.device,
    r.operating_system_name
