{# Each video's content type as the Analytics API names it (creatorContentType), one row per video: the type
   that has most of its views (a live stream's replay can count as on-demand views). Joined by every
   video-level Gold model; a video the API gave no type for gets UNSPECIFIED there, never a guess. #}
{{ config(materialized='ephemeral') }}

select video_id, content_type
from (
    select
        video_id,
        content_type,
        row_number() over (partition by video_id order by sum(views) desc, content_type) as type_rank
    from {{ source('silver', 'fact_video_content_type_daily') }}
    group by video_id, content_type
) as ranked
where type_rank = 1
