DROP DATABASE IF EXISTS dbz_probe;
CREATE DATABASE dbz_probe CHARACTER SET utf8mb4;
USE dbz_probe;
CREATE TABLE my_types (
  id INT PRIMARY KEY,
  c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED, c_bool BOOLEAN, c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED,
  c_mediumint MEDIUMINT, c_mediumint_u MEDIUMINT UNSIGNED, c_int INT, c_int_u INT UNSIGNED, c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED,
  c_float FLOAT, c_double DOUBLE, c_decimal DECIMAL(10,2), c_decimal0 DECIMAL(5,0), c_decimal_big DECIMAL(65,30), c_decimal_u DECIMAL(6,3) UNSIGNED,
  c_bit1 BIT(1), c_bit10 BIT(10), c_bit64 BIT(64),
  c_year YEAR, c_date DATE, c_time TIME, c_time3 TIME(3), c_time6 TIME(6),
  c_datetime DATETIME, c_datetime3 DATETIME(3), c_datetime6 DATETIME(6),
  c_timestamp TIMESTAMP NULL DEFAULT NULL, c_timestamp3 TIMESTAMP(3) NULL DEFAULT NULL, c_timestamp6 TIMESTAMP(6) NULL DEFAULT NULL,
  c_char CHAR(5), c_varchar VARCHAR(20), c_binary BINARY(4), c_varbinary VARBINARY(10),
  c_tinytext TINYTEXT, c_text TEXT, c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
  c_tinyblob TINYBLOB, c_blob BLOB, c_mediumblob MEDIUMBLOB, c_longblob LONGBLOB,
  c_enum ENUM('a','b','c'), c_set SET('x','y','z'), c_json JSON,
  c_geometry GEOMETRY, c_point POINT, c_linestring LINESTRING,
  c_latin1 VARCHAR(10) CHARACTER SET latin1
);
CREATE TABLE my_nokey (a INT, b VARCHAR(10));
CREATE TABLE my_compound (k1 INT, k2 VARCHAR(10), v VARCHAR(10), PRIMARY KEY (k2, k1));
