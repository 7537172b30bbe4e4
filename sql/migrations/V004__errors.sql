-- Domain errors with stable codes and HTTP statuses (docs/error_codes.md).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- PostgREST turns SQLSTATE 'PGRST' into an HTTP response: the message is the JSON body
-- (code, message, details, hint) and the detail carries the status. The Litestar service
-- maps the same error to problem+json, so a rule raises it once for both.
create function app.raise_error(
    p_code text,
    p_status integer,
    p_message text,
    p_details text default null,
    p_hint text default null
) returns void
language plpgsql
volatile
parallel safe
as $$
begin
    raise sqlstate 'PGRST' using
        message = pg_catalog.json_build_object(
            'code', p_code, 'message', p_message, 'details', p_details, 'hint', p_hint
        )::text,
        detail = pg_catalog.json_build_object(
            'status', p_status, 'headers', pg_catalog.json_build_object()
        )::text;
end
$$;

comment on function app.raise_error(text, integer, text, text, text) is
'Raises a domain error with a registered code (docs/error_codes.md) and HTTP status.';

grant execute on function app.raise_error(text, integer, text, text, text) to
sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;
