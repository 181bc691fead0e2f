-- Schema for the pgoutput capture. A statement ends at a line ending with ';'.
DROP PUBLICATION IF EXISTS cdc_capture;
DROP TABLE IF EXISTS all_types, pk_default, full_ident, no_pk, ident_index, trunc_child, trunc_parent CASCADE;
DROP DOMAIN IF EXISTS posint CASCADE;
DROP TYPE IF EXISTS mood CASCADE;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TABLE all_types (
  id integer PRIMARY KEY,
  c_int2 smallint, c_int4 integer, c_int8 bigint, c_oid oid,
  c_float4 real, c_float8 double precision,
  c_numeric numeric, c_numeric_p numeric(12, 4), c_numeric_nan numeric, c_numeric_inf numeric,
  c_bool boolean, c_text text, c_varchar varchar(20), c_bpchar char(5), c_char "char", c_name name,
  c_bytea bytea, c_uuid uuid, c_json json, c_jsonb jsonb,
  c_date date, c_date_bc date, c_date_inf date,
  c_time time, c_time3 time(3), c_timetz timetz,
  c_ts timestamp, c_ts_bc timestamp, c_tstz timestamptz, c_tstz_inf timestamptz, c_tstz0 timestamptz(0),
  c_interval interval, c_interval_neg interval,
  c_inet inet, c_cidr cidr, c_inet6 inet, c_macaddr macaddr, c_macaddr8 macaddr8,
  c_money money, c_money_neg money, c_bit bit(4), c_varbit varbit(16),
  c_mood mood, c_posint posint,
  c_int_arr integer[], c_text_arr text[], c_int_2d integer[], c_mood_arr mood[], c_posint_arr posint[],
  c_tstz_arr timestamptz[], c_numeric_arr numeric[], c_box_arr box[],
  c_point point, c_int4range int4range
);
CREATE TABLE pk_default (id integer PRIMARY KEY, name text, big text);
CREATE TABLE full_ident (id integer, note text);
ALTER TABLE full_ident REPLICA IDENTITY FULL;
CREATE TABLE no_pk (a integer, b text);
CREATE TABLE ident_index (a integer NOT NULL, b integer NOT NULL, c text);
CREATE UNIQUE INDEX ident_index_ab ON ident_index (b, a);
ALTER TABLE ident_index REPLICA IDENTITY USING INDEX ident_index_ab;
CREATE TABLE trunc_parent (id serial PRIMARY KEY, name text);
CREATE TABLE trunc_child (id serial PRIMARY KEY, parent_id integer REFERENCES trunc_parent (id));
CREATE PUBLICATION cdc_capture FOR ALL TABLES;
SELECT pg_replication_origin_create('capture_origin')
  WHERE NOT EXISTS (SELECT 1 FROM pg_replication_origin WHERE roname = 'capture_origin');
