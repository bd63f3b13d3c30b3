-- Daily engagement per send day (docs/queries.md defines every column).
-- Parameter 1: how many days of send dates to report (e.g. 30).
-- A row is a send day: the UTC date of mail.timestamp. Every event of a message (its delivery, opens,
-- clicks) counts on its message's send day, whichever later partition it arrived in.
-- sent / delivered count recipients (message, lower-cased address); opens and clicks count messages,
-- because SES open and click events do not say which recipient of a message opened or clicked.
-- Machine opens (a bare `Mozilla/5.0` user agent, as privacy proxies prefetch images) are left out
-- of unique opens and counted apart.
WITH params AS (SELECT CAST(? AS integer) AS days),
ev AS (
  SELECT date(from_iso8601_timestamp(mail.timestamp)) AS send_date, eventtype, mail.messageid AS message_id,
         mail.destination AS sent_to, delivery.recipients AS delivered_to,
         eventtype = 'Open' AND coalesce(trim(open.useragent), '') IN ('', 'Mozilla/5.0') AS machine_open
  FROM ${database}.${table} CROSS JOIN params
  -- Partitions are arrival dates: an object is filed under its oldest record's arrival, which can be
  -- the day before a send made just after midnight UTC, hence one day more.
  WHERE concat(year, '-', month, '-', day) >= date_format(date_add('day', -(params.days + 1), current_date), '%Y-%m-%d')
    AND eventtype IN ('Send', 'Delivery', 'Open', 'Click')
),
cohort AS (
  SELECT ev.* FROM ev CROSS JOIN params WHERE send_date >= date_add('day', -params.days, current_date)
),
sent AS (
  SELECT send_date, count(DISTINCT (message_id, lower(recipient))) AS sent
  FROM cohort CROSS JOIN UNNEST(sent_to) AS s(recipient)
  WHERE eventtype = 'Send'
  GROUP BY send_date
),
delivered AS (
  SELECT send_date, count(DISTINCT (message_id, lower(recipient))) AS delivered,
         count(DISTINCT message_id) AS delivered_messages
  FROM cohort CROSS JOIN UNNEST(delivered_to) AS d(recipient)
  WHERE eventtype = 'Delivery'
  GROUP BY send_date
),
engaged AS (
  SELECT send_date,
         count(DISTINCT IF(eventtype = 'Open' AND NOT machine_open, message_id)) AS unique_opens,
         count(DISTINCT IF(eventtype = 'Click', message_id)) AS unique_clicks,
         count_if(eventtype = 'Open' AND NOT machine_open) AS total_opens,
         count_if(machine_open) AS machine_opens,
         count_if(eventtype = 'Click') AS total_clicks
  FROM cohort
  GROUP BY send_date
)
SELECT engaged.send_date,
       coalesce(sent.sent, 0) AS sent,
       coalesce(delivered.delivered, 0) AS delivered,
       coalesce(delivered.delivered_messages, 0) AS delivered_messages,
       engaged.unique_opens, engaged.unique_clicks, engaged.total_opens, engaged.machine_opens, engaged.total_clicks,
       round(CAST(engaged.unique_opens AS double) / nullif(delivered.delivered_messages, 0), 4) AS open_rate,
       round(CAST(engaged.unique_clicks AS double) / nullif(delivered.delivered_messages, 0), 4) AS click_rate
FROM engaged
LEFT JOIN sent ON sent.send_date = engaged.send_date
LEFT JOIN delivered ON delivered.send_date = engaged.send_date
ORDER BY engaged.send_date
