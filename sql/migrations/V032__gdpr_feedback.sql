-- GDPR (SPEC 3.8) for samples: pseudonymising a released lead also anonymises the names of the
-- people who gave feedback, revokes the lead's feedback links and cancels their pending mails.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create or replace function app_private.pseudonymize_released_leads() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_count integer;
begin
    with due as (
        select l.id, l.tenant_id
        from app.leads as l
        inner join app.protection_configs as c on l.tenant_id = c.tenant_id
        where
            l.owner_id is null and l.released_at is not null and l.pseudonymized_at is null
            and l.released_at <= app.now() - make_interval(days => c.pseudonymize_after_days)
        for update of l
    ),

    details as (
        update app.lead_details as d
        set
            contact_email = pg_catalog.encode(
                pg_catalog.sha256(pg_catalog.convert_to(lower(d.contact_email), 'UTF8')), 'hex'
            ),
            contact_phone = null,
            notes = null,
            contact_name = 'ANONYMIZED'
        from due
        where d.lead_id = due.id
    ),

    -- who gave feedback is personal data too; a link to a released lead stops working
    submissions as (
        update app.feedback_submissions as s
        set contact_name = 'ANONYMIZED'
        from due
        where s.lead_id = due.id and s.contact_name is not null
    ),

    product_feedback as (
        update app.product_feedback as f
        set contact_name = 'ANONYMIZED'
        from due
        where f.lead_id = due.id and f.contact_name is not null
    ),

    links as (
        update app_private.feedback_tokens as t
        set revoked_at = app.now()
        from due
        where t.lead_id = due.id and t.revoked_at is null
        returning t.id
    ),

    mails as (
        update app.outbox as o
        set status = 'CANCELLED'
        from links
        where
            o.dedupe_key in ('feedback_invitation:' || links.id, 'feedback_reminder:' || links.id)
            and o.status = 'PENDING'
    ),

    marked as (
        update app.leads as l
        set pseudonymized_at = app.now()
        from due
        where l.id = due.id
        returning l.id, l.tenant_id
    )

    insert into app.audit_log (tenant_id, action, entity_type, entity_id, lead_id, reason)
    select marked.tenant_id, 'lead.pseudonymized', 'lead', marked.id, marked.id,
        'Contact data pseudonymised after release (GDPR).'
    from marked;
    get diagnostics v_count = row_count;
    return jsonb_build_object('pseudonymized', v_count);
end
$$;
comment on function app_private.pseudonymize_released_leads() is
'Pseudonymises contact data of leads released longer than lead.gdpr.pseudonymizeAfterDays ago, with the '
'names in their feedback, and revokes their feedback links.';
