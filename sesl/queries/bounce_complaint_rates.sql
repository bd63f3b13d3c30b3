-- Bounce and complaint rates per send day: the numbers SES watches. SES asks senders to keep the
-- bounce rate under 5% and the complaint rate under 0.1%; at about 10% bounces or 0.5% complaints it
-- may pause sending (SES developer guide, reputation metrics / FAQs).
-- Parameter 1: how many days of send dates to report (e.g. 30).
-- Rates are over sends; bounces and complaints arrive in later partitions, hence the wider scan.
WITH params AS (SELECT CAST(? AS integer) AS days),
ev AS (
  SELECT date(from_iso8601_timestamp(mail.timestamp)) AS send_date, eventtype, mail.messageid AS message_id,
         bounce.bouncetype AS bounce_type
  FROM ${database}.${table} CROSS JOIN params
  WHERE concat(year, '-', month, '-', day) >= date_format(date_add('day', -(params.days + 7), current_date), '%Y-%m-%d')
    AND eventtype IN ('Send', 'Bounce', 'Complaint')
)
SELECT send_date,
       count(DISTINCT IF(eventtype = 'Send', message_id)) AS sent,
       count(DISTINCT IF(eventtype = 'Bounce', message_id)) AS bounced,
       count(DISTINCT IF(eventtype = 'Bounce' AND bounce_type = 'Permanent', message_id)) AS hard_bounced,
       count(DISTINCT IF(eventtype = 'Complaint', message_id)) AS complained,
       round(CAST(count(DISTINCT IF(eventtype = 'Bounce', message_id)) AS double)
             / nullif(count(DISTINCT IF(eventtype = 'Send', message_id)), 0), 4) AS bounce_rate,
       round(CAST(count(DISTINCT IF(eventtype = 'Complaint', message_id)) AS double)
             / nullif(count(DISTINCT IF(eventtype = 'Send', message_id)), 0), 5) AS complaint_rate
FROM ev CROSS JOIN params
WHERE send_date >= date_add('day', -params.days, current_date)
GROUP BY send_date
ORDER BY send_date
