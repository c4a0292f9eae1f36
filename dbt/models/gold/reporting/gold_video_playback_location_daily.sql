{# Where a video was watched (watch page, embedded, channel page, Shorts feed ...) per day, from the
   bulk reports (channel_playback_location_a3); country, live/on-demand, subscribed status and the
   location detail are summed away. #}
{{ config(materialized='table') }}

select
    p.video_id,
    p.channel_id,
    p.date,
    coalesce(t.content_type, 'UNSPECIFIED') as content_type,
    p.playback_location,
    sum(p.views) as views,
    cast(round(sum(p.watch_time_minutes)) as bigint) as estimated_minutes_watched
from {{ source('silver', 'silver_report_playback_location') }} as p
left join {{ ref('video_content_type') }} as t
    on t.video_id = p.video_id
group by p.video_id, p.channel_id, p.date, t.content_type, p.playback_location
