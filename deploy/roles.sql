-- The dashboard's read-only role and the import path's writer role, as README "A read-only
-- PostgreSQL role for the dashboard" and "A PostgreSQL role for the import path" give them
-- (tests/test_deploy_files.py keeps the three alike). Run once as the database owner, after the
-- first `python -m data_access.refresh_summaries`, with the two passwords as psql variables
-- (README "Deploy" sets them on psql's standard input, out of the process list):
--   \set reader_password ...
--   \set writer_password ...
--   \i deploy/roles.sql

-- The dashboard: SELECT only, every session read-only.
CREATE ROLE welfare_reader LOGIN PASSWORD :'reader_password';
ALTER ROLE welfare_reader SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE welfare TO welfare_reader;
GRANT USAGE ON SCHEMA public TO welfare_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO welfare_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO welfare_reader;

-- The import path ("Nhập số liệu", python -m ingest load).
CREATE ROLE welfare_writer LOGIN PASSWORD :'writer_password';
GRANT CONNECT ON DATABASE welfare TO welfare_writer;
GRANT USAGE ON SCHEMA public TO welfare_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO welfare_writer;
GRANT INSERT, UPDATE, DELETE ON person, household, allowance_beneficiary, allowance_payment, housing_grant, vocational_class, enrolment, job_event, health_check TO welfare_writer;
GRANT INSERT, UPDATE ON import_batch, dataset_info TO welfare_writer;
GRANT INSERT ON import_log TO welfare_writer;
GRANT INSERT, DELETE ON change_event TO welfare_writer;
GRANT INSERT, UPDATE, DELETE ON summary_month, summary_unit_month, summary_unit_year, summary_version_month, summary_payment, summary_payment_group, summary_payment_group_year, summary_payment_status, summary_info TO welfare_writer;
GRANT INSERT, DELETE ON summary_check_record, summary_duplicate_person TO welfare_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO welfare_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO welfare_writer;
