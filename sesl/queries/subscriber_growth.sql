-- Subscriber growth: recipients reached for the first time, per day, ISO week and month
-- (docs/queries.md defines every column, and what SES events can and cannot say about subscribers).
-- Parameter 1: how many days of first deliveries to report (e.g. 90).
-- A recipient (lower-cased address) is reached on the send date of the first message delivered to
-- them. Finding that first date needs every Delivery event ever, so this query scans all partitions
-- of Delivery events: its cost grows with the history, not with the parameter.
WITH params AS (SELECT CAST(? AS integer) AS days),
deliveries AS (
  SELECT date(from_iso8601_timestamp(mail.timestamp)) AS send_date, lower(recipient) AS recipient
  FROM ${database}.${table} CROSS JOIN UNNEST(delivery.recipients) AS d(recipient)
  WHERE eventtype = 'Delivery'
),
first_reached AS (
  SELECT recipient, min(send_date) AS first_date FROM deliveries GROUP BY recipient
),
reported AS (
  SELECT first_reached.* FROM first_reached CROSS JOIN params
  WHERE first_date >= date_add('day', -params.days, current_date)
),
periods AS (
  SELECT 'day' AS period, first_date AS period_start, recipient FROM reported
  UNION ALL
  SELECT 'week', CAST(date_trunc('week', first_date) AS date), recipient FROM reported
  UNION ALL
  SELECT 'month', CAST(date_trunc('month', first_date) AS date), recipient FROM reported
),
growth AS (
  SELECT period, period_start, count(*) AS new_recipients FROM periods GROUP BY period, period_start
),
earlier AS (
  SELECT count(*) AS recipients FROM first_reached CROSS JOIN params
  WHERE first_date < date_add('day', -params.days, current_date)
)
-- total_recipients: everyone reached by the end of the period (before the window, plus the window's
-- new recipients up to and including this period).
SELECT growth.period, growth.period_start, growth.new_recipients,
       earlier.recipients + sum(growth.new_recipients) OVER (PARTITION BY growth.period ORDER BY growth.period_start)
         AS total_recipients
FROM growth CROSS JOIN earlier
ORDER BY CASE growth.period WHEN 'day' THEN 1 WHEN 'week' THEN 2 ELSE 3 END, growth.period_start
