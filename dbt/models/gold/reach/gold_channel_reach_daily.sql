{# A channel's thumbnail impressions and click-through rate per day, over its videos (channel_reach_basic_a1):
   the CTR is sum(impressions x ctr) / sum(impressions), never an average of the videos' rates. `views` is the
   day's total from the basic report (channel_basic_a3) beside it, NULL when that report has no such day. #}
{{ config(materialized='table') }}

with reach as (
    select
        channel_id,
        date,
        sum(video_thumbnail_impressions) as impressions,
        sum(video_thumbnail_impressions * video_thumbnail_impressions_ctr) as clicks
    from {{ source('silver', 'silver_report_reach_basic') }}
    group by channel_id, date
),

basic as (
    select channel_id, date, sum(views) as views
    from {{ source('silver', 'silver_report_channel_basic') }}
    group by channel_id, date
)

select
    reach.channel_id,
    reach.date,
    reach.impressions,
    case when reach.impressions > 0 then reach.clicks / reach.impressions end as impressions_ctr,
    basic.views
from reach
left join basic
    on basic.channel_id = reach.channel_id and basic.date = reach.date
