-- Flyway callback: runs after every migrate, whether or not anything was applied. It does what
-- must hold after any change and is safe to repeat (a second run changes nothing):
--   1. every api view refuses INSERT, UPDATE and DELETE through app.tg_api_view__read_only();
--   2. every scheduled job in app.job_heartbeats is scheduled with pg_cron, by name, and no other
--      freshplan- job stays scheduled;
--   3. PostgREST reloads its schema cache.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Writes go through the api functions only. Without this trigger, PATCH or DELETE on a view that
-- joins tables fails with "cannot update view" (SQLSTATE 55000), which PostgREST answers with 500.
-- With an INSTEAD OF trigger every api view is formally updatable, so PostgreSQL checks the
-- caller's privileges first (none: 401/403) and the trigger refuses whatever gets past them.
do $$
declare
    v_view regclass;
begin
    for v_view in
        select c.oid::regclass
        from pg_catalog.pg_class as c
        where
            c.relnamespace = 'api'::regnamespace
            and c.relkind = 'v'
            and not exists (
                select from pg_catalog.pg_trigger as t
                where t.tgrelid = c.oid and t.tgname = '_100_read_only'
            )
    loop
        execute format(
            'create trigger _100_read_only instead of insert or update or delete on %s '
            'for each row execute function app.tg_api_view__read_only()',
            v_view
        );
    end loop;
end
$$;

-- pg_cron lives only in the database named by cron.database_name; in any other database (test
-- templates) there is nothing to schedule. A job whose schedule and command are already in place
-- is left alone.
do $$
declare
    v_job record;
    v_command text;
begin
    if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
        return;
    end if;
    for v_job in select h.job_name, h.schedule from app.job_heartbeats as h loop
        v_command := format('select app_private.run_job(%L)', v_job.job_name);
        if not exists (
            select from cron.job as j
            where
                j.jobname = 'freshplan-' || v_job.job_name
                and j.schedule = v_job.schedule
                and j.command = v_command
        ) then
            perform cron.schedule('freshplan-' || v_job.job_name, v_job.schedule, v_command);
        end if;
    end loop;
    -- a job that is no longer in app.job_heartbeats is no longer scheduled
    perform cron.unschedule(j.jobid)
    from cron.job as j
    where
        j.jobname like 'freshplan-%'
        and not exists (select from app.job_heartbeats as h where 'freshplan-' || h.job_name = j.jobname);
end
$$;

notify pgrst, 'reload schema';
