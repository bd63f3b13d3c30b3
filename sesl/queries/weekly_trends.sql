-- Weekly trends per ISO week (Monday start) of send dates (docs/queries.md defines every column).
-- Parameter 1: how many days of send dates to report (e.g. 120).
-- delivered and recipients_delivered count recipients from each Delivery event's own recipient list
-- (not mail.destination, which also names the recipients of the same message that bounced); opens
-- and clicks count messages, machine opens left out, as in daily_engagement.
WITH params AS (SELECT CAST(? AS integer) AS days),
ev AS (
  SELECT CAST(date_trunc('week', date(from_iso8601_timestamp(mail.timestamp))) AS date) AS week_start,
         date(from_iso8601_timestamp(mail.timestamp)) AS send_date, eventtype, mail.messageid AS message_id,
         delivery.recipients AS delivered_to,
         eventtype = 'Open' AND coalesce(trim(open.useragent), '') IN ('', 'Mozilla/5.0') AS machine_open
  FROM ${database}.${table} CROSS JOIN params
  -- Arrival-date partitions, one day more than the send dates reported (see daily_engagement).
  WHERE concat(year, '-', month, '-', day) >= date_format(date_add('day', -(params.days + 1), current_date), '%Y-%m-%d')
    AND eventtype IN ('Delivery', 'Open', 'Click')
),
cohort AS (
  SELECT ev.* FROM ev CROSS JOIN params WHERE send_date >= date_add('day', -params.days, current_date)
),
delivered AS (
  SELECT week_start, count(DISTINCT (message_id, lower(recipient))) AS delivered,
         count(DISTINCT lower(recipient)) AS recipients_delivered, count(DISTINCT message_id) AS delivered_messages
  FROM cohort CROSS JOIN UNNEST(delivered_to) AS d(recipient)
  WHERE eventtype = 'Delivery'
  GROUP BY week_start
),
engaged AS (
  SELECT week_start,
         count(DISTINCT IF(eventtype = 'Open' AND NOT machine_open, message_id)) AS unique_opens,
         count(DISTINCT IF(eventtype = 'Click', message_id)) AS unique_clicks
  FROM cohort
  GROUP BY week_start
),
weekly AS (
  SELECT delivered.week_start, delivered.delivered, delivered.recipients_delivered, delivered.delivered_messages,
         coalesce(engaged.unique_opens, 0) AS unique_opens, coalesce(engaged.unique_clicks, 0) AS unique_clicks
  FROM delivered LEFT JOIN engaged ON engaged.week_start = delivered.week_start
)
SELECT week_start, delivered, recipients_delivered,
       recipients_delivered - lag(recipients_delivered) OVER (ORDER BY week_start) AS recipients_change,
       round(CAST(unique_opens AS double) / nullif(delivered_messages, 0), 4) AS open_rate,
       round(CAST(unique_clicks AS double) / nullif(delivered_messages, 0), 4) AS click_rate
FROM weekly
ORDER BY week_start
