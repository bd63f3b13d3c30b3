-- Daily engagement per send day: unique opens and unique clicks over deliveries.
-- Parameter 1: how many days of send dates to report (e.g. 30).
-- Partitions (year/month/day) are Firehose ARRIVAL dates, not send dates: opens and clicks of a send
-- keep arriving for days, so the partitions scanned reach 7 days further back than the send dates
-- reported, and rows are grouped by the send date in mail.timestamp.
-- Unique = count(DISTINCT messageid): every repeat open or click is its own event. Open rates are
-- estimates (image blocking and privacy proxies skew them).
WITH params AS (SELECT CAST(? AS integer) AS days),
ev AS (
  SELECT date(from_iso8601_timestamp(mail.timestamp)) AS send_date, eventtype, mail.messageid AS message_id
  FROM ${database}.${table} CROSS JOIN params
  WHERE concat(year, '-', month, '-', day) >= date_format(date_add('day', -(params.days + 7), current_date), '%Y-%m-%d')
    AND eventtype IN ('Send', 'Delivery', 'Open', 'Click')
)
SELECT send_date,
       count(DISTINCT IF(eventtype = 'Send', message_id)) AS sent,
       count(DISTINCT IF(eventtype = 'Delivery', message_id)) AS delivered,
       count(DISTINCT IF(eventtype = 'Open', message_id)) AS unique_opens,
       count(DISTINCT IF(eventtype = 'Click', message_id)) AS unique_clicks,
       count_if(eventtype = 'Open') AS total_opens,
       count_if(eventtype = 'Click') AS total_clicks,
       round(CAST(count(DISTINCT IF(eventtype = 'Open', message_id)) AS double)
             / nullif(count(DISTINCT IF(eventtype = 'Delivery', message_id)), 0), 4) AS open_rate,
       round(CAST(count(DISTINCT IF(eventtype = 'Click', message_id)) AS double)
             / nullif(count(DISTINCT IF(eventtype = 'Delivery', message_id)), 0), 4) AS click_rate
FROM ev CROSS JOIN params
WHERE send_date >= date_add('day', -params.days, current_date)
GROUP BY send_date
ORDER BY send_date
