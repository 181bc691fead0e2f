INSERT INTO pg_types (id) VALUES (:id0);
INSERT INTO pg_types (id, c_bool, c_int2, c_int4, c_int8, c_oid, c_float4, c_float8, c_numeric, c_numeric_10_2, c_numeric_5_0, c_money,
  c_char, c_varchar, c_text, c_bytea, c_json, c_jsonb,
  c_date, c_time, c_time3, c_time0, c_timetz, c_ts, c_ts3, c_ts0, c_tstz, c_tstz3, c_tstz0, c_interval,
  c_inet, c_cidr, c_bit1, c_bit8, c_bit12, c_varbit, c_varbit5,
  c_int4_arr, c_text_arr, c_numeric_arr, c_tstz_arr)
VALUES (:id1, false, 0, -1, 0, 0, 'NaN', '-Infinity', 'NaN', '0.00', '-1', '0',
  '', '', '', '\x', '[]', '"s"',
  'infinity', '24:00:00', '00:00:00.001', '00:00:00', '00:00:00-14', 'infinity', '-infinity', '1970-01-01 00:00:00', '-infinity', '1969-12-31 23:59:59.999+00', '0044-03-15 12:00:00+00 BC',
  '-1 years -2 mons +3 days -00:00:01.5',
  '::1', '2001:db8::/32', '0', '00000000', '100000000000', '', '0',
  '{}', '{}', '{}', '{infinity}');
INSERT INTO pg_types (id, c_float4, c_float8, c_numeric, c_numeric_10_2, c_date, c_ts, c_tstz, c_time, c_interval, c_int8, c_int2, c_varbit, c_money)
VALUES (:id2, 'Infinity', 1e-320, '-0.000000000012300', '0.01', '-infinity', '4714-11-24 00:00:00 BC', '294276-12-31 23:59:59.999999+00', '00:00:00', '0', 9223372036854775807, 32767, '0001', '-92233720368547758.08');
INSERT INTO pg_types (id, c_float4, c_float8, c_numeric, c_date, c_ts, c_tstz, c_interval)
VALUES (:id3, 3.4028235e38, 1e22, '1e20', '0001-01-01', '0001-01-01 00:00:00', '1900-06-15 10:20:30.000001+00', '178000000 years');
INSERT INTO pg_types (id, c_float4, c_float8, c_numeric, c_date, c_ts, c_interval)
VALUES (:id4, 1e-7, 123456789.125, '123456789012345678901234567890.123456789', '0001-12-31 BC', '2024-03-10 12:34:56.000001', '1 mon');
INSERT INTO pg_types (id, c_float4, c_float8, c_numeric) VALUES (:id5, 0.1, 0.001, '-5');
INSERT INTO pg_types (id, c_float4, c_float8) VALUES (:id6, 1e7, 1e-3);
INSERT INTO pg_types (id, c_float4, c_float8) VALUES (:id7, 9999999, 9999999.999);
INSERT INTO pg_nokey VALUES (:id0, 'nokey');
INSERT INTO pg_compound VALUES (:id0, 'k', 'v');
