DROP DATABASE IF EXISTS dbz_probe;
CREATE DATABASE dbz_probe;
\c dbz_probe
CREATE EXTENSION hstore;
CREATE EXTENSION citext;
CREATE EXTENSION ltree;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE DOMAIN ts3 AS timestamp(3);
CREATE DOMAIN money2 AS numeric(12,2);
CREATE TABLE pg_types (
  id int4 PRIMARY KEY,
  c_bool bool, c_int2 int2, c_int4 int4, c_int8 int8, c_oid oid,
  c_float4 real, c_float8 double precision,
  c_numeric numeric, c_numeric_10_2 numeric(10,2), c_numeric_5_0 numeric(5,0), c_money money,
  c_char char(5), c_varchar varchar(20), c_text text, c_name name, c_qchar "char",
  c_bytea bytea, c_uuid uuid, c_json json, c_jsonb jsonb, c_xml xml,
  c_date date, c_time time, c_time3 time(3), c_time0 time(0), c_timetz timetz,
  c_ts timestamp, c_ts3 timestamp(3), c_ts0 timestamp(0), c_tstz timestamptz, c_tstz3 timestamptz(3), c_tstz0 timestamptz(0),
  c_interval interval,
  c_inet inet, c_cidr cidr, c_macaddr macaddr, c_macaddr8 macaddr8,
  c_bit1 bit(1), c_bit8 bit(8), c_bit12 bit(12), c_varbit varbit, c_varbit5 varbit(5),
  c_enum mood, c_posint posint, c_ts3dom ts3, c_money2 money2,
  c_int2_arr int2[], c_int4_arr int4[], c_int8_arr int8[], c_text_arr text[], c_varchar_arr varchar(10)[],
  c_numeric_arr numeric[], c_float4_arr real[], c_float8_arr float8[], c_bool_arr bool[], c_date_arr date[],
  c_uuid_arr uuid[], c_jsonb_arr jsonb[], c_ts_arr timestamp[], c_tstz_arr timestamptz[], c_enum_arr mood[],
  c_int4_2d int4[][], c_time_arr time[], c_bytea_arr bytea[],
  c_point point, c_int4range int4range, c_int8range int8range, c_numrange numrange, c_tsrange tsrange, c_tstzrange tstzrange, c_daterange daterange,
  c_tsvector tsvector, c_hstore hstore, c_citext citext, c_ltree ltree,
  c_pg_lsn pg_lsn, c_money_arr money[], c_interval_arr interval[]
);
CREATE TABLE pg_nokey (a int4, b text);
CREATE TABLE pg_compound (k1 int4, k2 varchar(10), v text, PRIMARY KEY (k2, k1));
CREATE TABLE pg_toast (id int4 PRIMARY KEY, big text, bigb bytea, bigj jsonb, big_arr text[], big_iarr int4[], n int4);
ALTER TABLE pg_toast ALTER COLUMN big SET STORAGE EXTERNAL;
ALTER TABLE pg_toast ALTER COLUMN bigb SET STORAGE EXTERNAL;
ALTER TABLE pg_toast ALTER COLUMN bigj SET STORAGE EXTERNAL;
ALTER TABLE pg_toast ALTER COLUMN big_arr SET STORAGE EXTERNAL;
ALTER TABLE pg_toast ALTER COLUMN big_iarr SET STORAGE EXTERNAL;
ALTER TABLE pg_nokey REPLICA IDENTITY FULL;
CREATE TABLE pg_more (id int4 PRIMARY KEY, n_arr numeric[], n2_arr numeric(6,2)[], nm name, ttz timetz, d_arr date[], hs hstore, n numeric, t3_arr timestamp(3)[], tz_arr timetz[], ch char(3), js jsonb, vb1 varbit(1), b1arr bit(1)[], i2 int2, f4 real);
ALTER TABLE pg_more REPLICA IDENTITY FULL;
