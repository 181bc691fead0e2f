SET sql_mode = '';
SET time_zone = '+00:00';
INSERT INTO my_types (id) VALUES (@id0);
INSERT INTO my_types (id, c_tinyint, c_tinyint_u, c_bool, c_bigint, c_bigint_u, c_float, c_double, c_decimal, c_decimal0, c_decimal_big, c_bit1, c_bit10, c_bit64,
  c_year, c_date, c_time, c_time3, c_time6, c_datetime, c_datetime3, c_datetime6, c_timestamp, c_timestamp3, c_timestamp6,
  c_char, c_varchar, c_binary, c_varbinary, c_text, c_blob, c_enum, c_set, c_json)
VALUES (@id1, 127, 0, 0, 9223372036854775807, 9223372036854775808, -0.25, 1e300, 0.00, -1, '-0.000000000000000000000000000001', b'0', b'0000000001', b'0',
  0, '0000-00-00', '00:00:00', '-00:00:00.001', '838:59:59.000000', '0000-00-00 00:00:00', '2024-00-10 00:00:00', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999', '0000-00-00 00:00:00',
  '', '', x'', x'', '', x'', '', '', '[]');
INSERT INTO my_types (id, c_year, c_date, c_datetime, c_time, c_bigint_u, c_float, c_double) VALUES (@id2, 1901, '1000-01-01', '9999-12-31 23:59:59', '-00:00:01', 18446744073709551614, 1e7, 1e-3);
INSERT INTO my_types (id, c_float, c_double) VALUES (@id3, 0.1, 123456789.125);
INSERT INTO my_nokey VALUES (@id0, 'nokey');
INSERT INTO my_compound VALUES (@id0, 'k', 'v');
