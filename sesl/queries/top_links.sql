-- Top clicked links over the last N days of arrivals: total clicks and unique clickers (distinct
-- messages, one recipient per send), with the link's campaign and advertiser tags (SES link tags,
-- ses:tags="campaign:...;advertiser:..." on the link).
-- Parameter 1: how many days of click arrivals to count (e.g. 30).
WITH params AS (SELECT CAST(? AS integer) AS days)
SELECT split_part(click.link, '?', 1) AS link,
       element_at(element_at(click.linktags, 'campaign'), 1) AS campaign,
       element_at(element_at(click.linktags, 'advertiser'), 1) AS advertiser,
       count(*) AS total_clicks,
       count(DISTINCT mail.messageid) AS unique_clicks
FROM ${database}.${table} CROSS JOIN params
WHERE eventtype = 'Click'
  AND concat(year, '-', month, '-', day) >= date_format(date_add('day', -params.days, current_date), '%Y-%m-%d')
GROUP BY 1, 2, 3
ORDER BY total_clicks DESC, link
LIMIT 25
