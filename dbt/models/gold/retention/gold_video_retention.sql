{# Audience retention curves of each channel's most viewed videos of a window (`retention_videos`, default 10):
   at each hundredth of the video (elapsed_video_time_ratio), the share of views still watching
   (audience_watch_ratio: above 1 where people rewatch, as on Shorts) and how that compares with YouTube's
   videos of similar length (relative_retention_performance: 0.5 is the median). One curve per video and
   as-of date (the end of the window it was asked for). #}
{{ config(materialized='table') }}

select
    r.video_id,
    r.channel_id,
    r.as_of_date,
    r.window_start,
    coalesce(t.content_type, 'UNSPECIFIED') as content_type,
    r.elapsed_video_time_ratio,
    r.audience_watch_ratio,
    r.relative_retention_performance
from {{ source('silver', 'fact_video_audience_retention') }} as r
left join {{ ref('video_content_type') }} as t
    on t.video_id = r.video_id
