{# A channel's thumbnail impressions and click-through rate per day, over its videos (channel_reach_basic_a1):
   the CTR is sum(impressions x ctr) / sum(impressions), never an average of the videos' rates. `views` is the
   channel's views that day from its daily facts: the basic report (channel_basic_a3) where reports cover the
   day, reports.query elsewhere; NULL when neither has the day. #}
{{ config(materialized='table') }}

with reach as (
    select
        channel_id,
        date,
        sum(video_thumbnail_impressions) as impressions,
        {{ weighted_ctr('video_thumbnail_impressions', 'video_thumbnail_impressions_ctr') }} as impressions_ctr
    from {{ source('silver', 'silver_report_reach_basic') }}
    group by channel_id, date
),

daily as (
    select channel_id, date, views
    from {{ source('silver', 'fact_channel_daily_metrics') }}
)

select
    reach.channel_id,
    reach.date,
    reach.impressions,
    reach.impressions_ctr,
    daily.views
from reach
left join daily
    on daily.channel_id = reach.channel_id and daily.date = reach.date
