-- Bounce and complaint rates per send day, as SES defines the reputation numbers they are compared with
-- (docs/queries.md defines every column).
-- Parameter 1: how many days of send dates to report (e.g. 30).
-- All counts are recipients (message, lower-cased address): SES counts a message to three recipients as
-- three sent emails, and bounces and complaints name the recipients they concern.
-- The bounce rate counts hard bounces only: "Your bounce rate includes only hard bounces ... Temporary
-- and intermittent failures ... do not count" (SES developer guide, bounce FAQ, Q3). SES asks for a
-- bounce rate under 5 % and a complaint rate under 0.1 %; around 10 % / 0.5 % it may pause sending.
WITH params AS (SELECT CAST(? AS integer) AS days),
ev AS (
  SELECT date(from_iso8601_timestamp(mail.timestamp)) AS send_date, eventtype, mail.messageid AS message_id,
         CASE eventtype
           WHEN 'Send' THEN mail.destination
           WHEN 'Bounce' THEN transform(bounce.bouncedrecipients, r -> r.emailaddress)
           WHEN 'Complaint' THEN transform(complaint.complainedrecipients, r -> r.emailaddress)
         END AS recipients,
         bounce.bouncetype AS bounce_type
  FROM ${database}.${table} CROSS JOIN params
  -- Arrival-date partitions, one day more than the send dates reported (see daily_engagement).
  WHERE concat(year, '-', month, '-', day) >= date_format(date_add('day', -(params.days + 1), current_date), '%Y-%m-%d')
    AND eventtype IN ('Send', 'Bounce', 'Complaint')
),
per_recipient AS (
  SELECT send_date, eventtype, bounce_type, message_id, lower(recipient) AS recipient
  FROM ev CROSS JOIN params CROSS JOIN UNNEST(recipients) AS r(recipient)
  WHERE send_date >= date_add('day', -params.days, current_date)
),
counts AS (
  SELECT send_date,
         count(DISTINCT IF(eventtype = 'Send', (message_id, recipient))) AS sent,
         count(DISTINCT IF(eventtype = 'Bounce', (message_id, recipient))) AS bounced,
         count(DISTINCT IF(eventtype = 'Bounce' AND bounce_type = 'Permanent', (message_id, recipient))) AS hard_bounced,
         count(DISTINCT IF(eventtype = 'Complaint', (message_id, recipient))) AS complained
  FROM per_recipient
  GROUP BY send_date
)
SELECT send_date, sent, bounced, hard_bounced, complained,
       round(CAST(hard_bounced AS double) / nullif(sent, 0), 4) AS bounce_rate,
       round(CAST(complained AS double) / nullif(sent, 0), 5) AS complaint_rate
FROM counts
ORDER BY send_date
