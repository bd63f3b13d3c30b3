-- Top clicked links over the last N days of clicks (docs/queries.md defines every column).
-- Parameter 1: how many days of clicks to count, by the click's own UTC date (e.g. 30).
-- The link is shown without its query string; campaign and advertiser come from the link's tags
-- (ses:tags="campaign:...;advertiser:..." on the link), looked up whatever case their keys are stored
-- in: OpenX lower-cases JSON keys, and whether it lower-cases map keys is not documented.
-- total_clicks counts click events; unique_clicks counts messages with at least one click on the link.
WITH params AS (SELECT CAST(? AS integer) AS days),
clicks AS (
  SELECT split_part(click.link, '?', 1) AS link, mail.messageid AS message_id,
         element_at(element_at(click.linktags,
                               element_at(filter(map_keys(click.linktags), k -> lower(k) = 'campaign'), 1)), 1)
           AS campaign,
         element_at(element_at(click.linktags,
                               element_at(filter(map_keys(click.linktags), k -> lower(k) = 'advertiser'), 1)), 1)
           AS advertiser
  FROM ${database}.${table} CROSS JOIN params
  -- A click arrives on or after its own date, and an object is filed under its oldest record's arrival:
  -- one day more of partitions covers a click made just after midnight UTC.
  WHERE eventtype = 'Click'
    AND concat(year, '-', month, '-', day) >= date_format(date_add('day', -(params.days + 1), current_date), '%Y-%m-%d')
    AND date(from_iso8601_timestamp(click.timestamp)) >= date_add('day', -params.days, current_date)
)
SELECT link, campaign, advertiser, count(*) AS total_clicks, count(DISTINCT message_id) AS unique_clicks
FROM clicks
GROUP BY link, campaign, advertiser
ORDER BY total_clicks DESC, link
LIMIT 25
