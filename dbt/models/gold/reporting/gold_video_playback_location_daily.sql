{# Where a video was watched (watch page, embedded, channel page, Shorts feed ...) per day, from the
   bulk reports (channel_playback_location_a3); country, live/on-demand, subscribed status and the
   location detail are summed away. #}
{{ config(materialized='table') }}

select
    video_id,
    channel_id,
    date,
    playback_location,
    sum(views) as views,
    cast(round(sum(watch_time_minutes)) as bigint) as estimated_minutes_watched
from {{ source('silver', 'silver_report_playback_location') }}
group by video_id, channel_id, date, playback_location
