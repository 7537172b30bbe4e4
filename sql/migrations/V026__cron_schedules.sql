-- pg_cron schedules, by name (re-running replaces them). pg_cron lives only in the database named
-- by cron.database_name; in any other database (test templates) there is nothing to schedule.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

do $$
declare
    v_job record;
begin
    if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
        raise notice 'pg_cron is not installed in this database; jobs are not scheduled here';
        return;
    end if;
    for v_job in select h.job_name, h.schedule from app.job_heartbeats as h loop
        perform cron.schedule(
            'freshplan-' || v_job.job_name, v_job.schedule,
            format('select app_private.run_job(%L)', v_job.job_name)
        );
    end loop;
end
$$;
