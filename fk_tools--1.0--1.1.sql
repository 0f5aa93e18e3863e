/* fk_tools--1.0--1.1.sql: ALTER EXTENSION fk_tools UPDATE TO '1.1' */

\echo Use "ALTER EXTENSION fk_tools UPDATE TO '1.1'" to load this file. \quit
