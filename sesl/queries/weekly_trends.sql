-- Weekly trends per ISO week (Monday start) of send dates: deliveries, distinct recipients delivered,
-- open and click rates.
-- Parameter 1: how many days of send dates to report (e.g. 120).
-- Distinct recipients delivered is the only audience-growth signal SES events carry: SES publishes no
-- sign-up events, so real subscriber acquisition must come from the application's own data.
-- Partitions are arrival dates: the scan reaches 7 days before the first send date reported.
WITH params AS (SELECT CAST(? AS integer) AS days),
weekly AS (
  SELECT CAST(date_trunc('week', date(from_iso8601_timestamp(mail.timestamp))) AS date) AS week_start,
         count(DISTINCT IF(eventtype = 'Delivery', mail.messageid)) AS delivered,
         count(DISTINCT IF(eventtype = 'Delivery', element_at(mail.destination, 1))) AS recipients_delivered,
         count(DISTINCT IF(eventtype = 'Open', mail.messageid)) AS unique_opens,
         count(DISTINCT IF(eventtype = 'Click', mail.messageid)) AS unique_clicks
  FROM ${database}.${table} CROSS JOIN params
  WHERE concat(year, '-', month, '-', day) >= date_format(date_add('day', -(params.days + 7), current_date), '%Y-%m-%d')
    AND eventtype IN ('Delivery', 'Open', 'Click')
    AND date(from_iso8601_timestamp(mail.timestamp)) >= date_add('day', -params.days, current_date)
  GROUP BY 1
)
SELECT week_start, delivered, recipients_delivered,
       recipients_delivered - lag(recipients_delivered) OVER (ORDER BY week_start) AS recipients_change,
       round(CAST(unique_opens AS double) / nullif(delivered, 0), 4) AS open_rate,
       round(CAST(unique_clicks AS double) / nullif(delivered, 0), 4) AS click_rate
FROM weekly
ORDER BY week_start
