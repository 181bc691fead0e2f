INSERT INTO pg_more VALUES (1, '{1.5,-2,0.001}', '{1.5,-2}', 'nm', '24:00:00+00', '{infinity,2024-01-01}', '"a\\b"=>"x\"y", c=>""', 'Infinity', '{"2024-01-01 00:00:00.5"}', '{12:00:00+02}', 'a', '{"u":"é\t<>\u0001\u2028"}', '1', '{1,0}', 1, 'NaN');
UPDATE pg_more SET i2 = 2 WHERE id = 1;
INSERT INTO pg_more (id, n_arr, n, ttz) VALUES (2, '{NaN}', '-Infinity', '23:59:59.999999-00:30');
