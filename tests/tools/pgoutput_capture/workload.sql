-- Changes whose pgoutput messages are captured. A statement ends at a line
-- ending with ';'. Expected values are asserted in
-- tests/unit/decoders/pgoutput/capture*_test.cc: change both together.
SET TimeZone = 'UTC';
SET lc_monetary = 'C';
INSERT INTO all_types VALUES (1,
  -32768, 2147483647, -9223372036854775808, 4294967295,
  1.5, -2.25e-300,
  '12345678901234567890.12345678901234567890', 3.14159, 'NaN', '-Infinity',
  true, E'line1\nline2 "quoted", \u00fcnic\u00f6de', 'varchar', 'ab', 'x', 'a_name',
  '\x00ff10', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"b": 1,  "a": [true, null]}', '{"b": 1,  "a": [true, null]}',
  '2024-02-29', '0044-03-15 BC', 'infinity',
  '23:59:59.999999', '12:34:56.789', '12:00:00.5+05:30',
  '2024-03-10 12:34:56.123456', '0001-01-01 00:00:00 BC', '2024-03-10 12:34:56.789+05:30', '-infinity', '1999-12-31 23:59:59.6+00',
  '1 year 2 mons 3 days 04:05:06.789', '-1 years -2 mons +3 days -04:05:06.5',
  '192.168.1.5/24', '10.1.0.0/16', '2001:db8::1', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  1234.56, -1234567.89, B'1010', B'110',
  'happy', 42,
  '{1,NULL,-3}', ARRAY['a b', NULL, E'q"u,o\\te', 'NULL', '', 'x{y}'], '{{1,2},{3,4}}', '{sad,happy}', '{1,2}',
  '{"2024-01-01 00:00:00+00",infinity}', '{1.5,NaN}', ARRAY['(0,0),(1,1)'::box, '(2,2),(3,3)'::box],
  '(1.5,2)', '[1,10)');
INSERT INTO all_types (id) VALUES (2);
INSERT INTO all_types (id, c_int2, c_int4, c_int8, c_oid, c_float4, c_float8, c_numeric, c_bool,
  c_bytea, c_date, c_time, c_timetz, c_ts, c_tstz, c_interval, c_money, c_int_arr, c_text_arr, c_int_2d)
  VALUES (3, 32767, -2147483648, 9223372036854775807, 0, 'NaN', '-Infinity', 'Infinity', false,
  '\x', '-infinity', '24:00:00', '00:00:00-14', 'infinity', '4714-11-24 00:00:00+00 BC', '-00:00:01',
  '-92233720368547758.08', '{}', '{}', '{{{1}},{{2}}}');
BEGIN;
INSERT INTO pk_default VALUES (1, 'first', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 1000) i));
INSERT INTO pk_default VALUES (2, 'second', 'small');
COMMIT;
UPDATE pk_default SET name = 'renamed' WHERE id = 1;
UPDATE pk_default SET id = 10 WHERE id = 2;
DELETE FROM pk_default WHERE id = 10;
INSERT INTO full_ident VALUES (1, 'note');
UPDATE full_ident SET note = 'changed' WHERE id = 1;
DELETE FROM full_ident WHERE id = 1;
INSERT INTO no_pk VALUES (1, 'no key');
INSERT INTO ident_index VALUES (1, 2, 'c');
UPDATE ident_index SET a = 5 WHERE a = 1;
INSERT INTO trunc_parent (name) VALUES ('p1');
INSERT INTO trunc_child (parent_id) VALUES (1);
TRUNCATE trunc_parent RESTART IDENTITY CASCADE;
TRUNCATE no_pk;
SELECT pg_logical_emit_message(true, 'capture_tx', 'transactional payload');
SELECT pg_logical_emit_message(false, 'capture_notx', '\x00ff'::bytea);
SELECT pg_replication_origin_session_setup('capture_origin');
BEGIN;
SELECT pg_replication_origin_xact_setup('0/AB12CD34', '2024-01-02 03:04:05+00');
INSERT INTO no_pk VALUES (2, 'from origin');
COMMIT;
SELECT pg_replication_origin_session_reset();
