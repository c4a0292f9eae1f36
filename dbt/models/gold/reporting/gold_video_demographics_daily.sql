{# Viewer age group and gender per video and day, from the bulk reports (channel_demographics_a1).
   A report gives each group's share of views per (country, live/on-demand, subscribed status); the
   shares are combined weighted by those slices' views (channel_basic), so the day's shares add up to 100. #}
{{ config(materialized='table') }}

with weights as (
    select video_id, channel_id, date, live_or_on_demand, subscribed_status, country_code, sum(views) as views
    from {{ source('silver', 'silver_report_channel_basic') }}
    group by video_id, channel_id, date, live_or_on_demand, subscribed_status, country_code
),
shares as (
    select d.video_id, d.channel_id, d.date, d.age_group, d.gender, d.views_percentage, w.views,
           d.live_or_on_demand, d.subscribed_status, d.country_code
    from {{ source('silver', 'silver_report_demographics') }} as d
    join weights as w
        on w.video_id = d.video_id and w.channel_id = d.channel_id and w.date = d.date
        and w.live_or_on_demand <=> d.live_or_on_demand and w.subscribed_status <=> d.subscribed_status
        and w.country_code <=> d.country_code
),
totals as (
    select video_id, channel_id, date, sum(views) as views
    from (select distinct video_id, channel_id, date, live_or_on_demand, subscribed_status, country_code, views
          from shares) as slices
    group by video_id, channel_id, date
)
select
    s.video_id,
    s.channel_id,
    s.date,
    coalesce(c.content_type, 'UNSPECIFIED') as content_type,
    s.age_group,
    s.gender,
    round(sum(s.views * s.views_percentage) / t.views, 2) as views_percentage,
    round(sum(s.views * s.views_percentage) / 100, 1) as estimated_views
from shares as s
join totals as t on t.video_id = s.video_id and t.channel_id = s.channel_id and t.date = s.date
left join {{ ref('video_content_type') }} as c on c.video_id = s.video_id
where t.views > 0
group by s.video_id, s.channel_id, s.date, c.content_type, s.age_group, s.gender, t.views
