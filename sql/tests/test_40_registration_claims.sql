-- Registration, duplicates, similar leads, the pool and claims (SPEC 3.7), release (3.8).
begin;
select plan(39);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('third@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('auditor@alpha.test', 'auditor', 'alpha');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');

-- ------------------------------------------------------------ normalisation
select is(app.normalize_company_name('Müller GmbH'), 'mueller', 'umlauts spelled out, GmbH dropped');
select is(app.normalize_company_name('MUELLER'), 'mueller', 'upper case folds to the same key');
select is(
    app.normalize_company_name('Bäckerei Groß GmbH & Co. KG'), 'baeckerei gross', 'GmbH & Co. KG and ß'
);
select is(app.normalize_company_name('Café  Crème, e.K.'), 'cafe creme', 'accents, punctuation, e.K.');
select is(app.normalize_company_name('Zur Linde OHG'), 'zur linde', 'OHG');

-- ------------------------------------------------------------ hard duplicates
select tests.register_lead('rep@alpha.test', 'Müller GmbH', '2026-01-10 09:00+00') as lead \gset
select is(
    tests.act('other@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('MUELLER', '10115', 'Berlin') $$),
    'FP302 409', 'the same company (other spelling) is refused while protected'
);
select is((select count(*)::int from app.leads), 1, 'and nothing was stored');
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('Müller', '10115', 'Berlin') $$),
    'FP304 409', 'the owner is told they already own it'
);
select is(
    tests.act('other@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('Müller GmbH', '80331', 'München') $$),
    'ok', 'the same name in another postal code is another company'
);
select is(
    tests.act(
        'rep@alpha.test', '2026-01-11 09:00+00',
        $$ select api.register_lead('Hotel Post', '20095', 'Hamburg', vat_id => 'DE 123 456 789') $$
    ),
    'ok', 'a lead with a VAT id'
);
select is(
    tests.act(
        'other@alpha.test', '2026-01-11 09:00+00',
        $$ select api.register_lead('Post Hotelbetriebs GmbH', '20097', 'Hamburg', vat_id => 'DE123456789') $$
    ),
    'FP302 409', 'the same VAT id under another name is a duplicate'
);
select is(
    tests.act('rep@beta.test', '2026-01-11 09:00+00', $$ select api.register_lead('Müller GmbH', '10115', 'Berlin') $$),
    'ok', 'another tenant registers the same company independently'
);

-- ------------------------------------------------------------ bad input stores nothing
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('', '10115', 'Berlin') $$),
    'FP301 400', 'an empty name'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('GmbH', '10115', 'Berlin') $$),
    'FP301 400', 'a name that is only a legal form'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead(repeat('x', 10000), '10115', 'Berlin') $$),
    'FP301 400', 'a 10 000-character name'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('Adler', '<script>', 'Berlin') $$),
    'FP301 400', 'a bad postal code'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('Adler', '10115', 'Berlin', contact_email => 'no') $$),
    'FP301 400', 'a bad e-mail'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('Adler', '10115', null) $$),
    'FP301 400', 'a missing city'
);
select is(
    tests.act('auditor@alpha.test', '2026-01-11 09:00+00', $$ select api.register_lead('Adler', '10115', 'Berlin') $$),
    'FP102 403', 'an auditor cannot register'
);
select is((select count(*)::int from app.leads as l where l.tenant_id = (select t.id from app.tenants as t where t.slug = 'alpha')), 3, 'no stray leads');

-- ------------------------------------------------------------ similar leads
select is(
    (
        select array_agg(s.company_name order by s.company_name)
        from (select tests.freeze_time('2026-01-11 09:00+00'), tests.authenticate_as('third@alpha.test')) as a,
            api.find_similar_leads('Mueller Gmbh.', '10178') as s
    ),
    array['Müller GmbH'], 'a similar name in the same postal area is listed'
);
select is(
    (select s.id from api.find_similar_leads('Mueller Gmbh.', '10178') as s order by s.company_name limit 1), null,
    'another rep''s protected lead is listed without its id'
);
select is(
    (select s.status from api.find_similar_leads('Mueller Gmbh.', '10178') as s order by s.company_name limit 1), 'PROTECTED',
    'and as PROTECTED'
);
select is_empty(
    $$ select from api.find_similar_leads('Mueller', '80995') where postal_code = '10115' $$,
    'another postal area is not listed'
);
select tests.clear_authentication();

-- ------------------------------------------------------------ expiry, pool and claims
-- rep's lead expires 2026-03-21 09:00 UTC (GREATEST, no progress)
select is(
    tests.act('other@alpha.test', '2026-03-21 08:59:59+00', format('select api.claim_lead(%L)', :'lead')),
    'FP306 409', 'a protected lead cannot be claimed'
);
select is(
    tests.act('other@alpha.test', '2026-03-21 09:00+00', format('select api.claim_lead(%L)', :'lead')),
    'ok', 'an expired lead is claimable at once, before the job released it'
);
select is(
    (select release_reason from app.lead_assignments where lead_id = :'lead' and owner_id = tests.user_id('rep@alpha.test')),
    'EXPIRED', 'the claim released the previous assignment as EXPIRED'
);
select is(
    (select actor_id from app.audit_log where action = 'lead.released' and lead_id = :'lead'), null,
    'the release is audited with the system as actor'
);
select is(
    (select count(*)::int from app.notifications where kind = 'EXPIRED' and lead_id = :'lead'
        and user_id = tests.user_id('rep@alpha.test')), 1,
    'the previous owner is notified'
);
select is(
    (tests.protection('other@alpha.test', :'lead', '2026-03-21 09:00+00')).owner_id,
    tests.user_id('other@alpha.test'), 'the claimer owns it now'
);
select is(
    (tests.protection('other@alpha.test', :'lead', '2026-03-21 09:00+00')).registered_at,
    '2026-03-21 09:00+00'::timestamptz, 'with a fresh registration'
);

-- the previous owner's cooldown (30 days after their protection ended)
select is(
    tests.act('manager@alpha.test', '2026-03-22 09:00+00', format('select api.expire_now(%L, %L)', :'lead', 'Test of cooldown')),
    'ok', 'the manager releases it again'
);
select is(
    tests.act('rep@alpha.test', '2026-04-20 08:59:59+00', format('select api.claim_lead(%L)', :'lead')),
    'FP307 422', 'the first owner cannot claim it within 30 days of their expiry'
);
select is(
    tests.act('rep@alpha.test', '2026-04-20 09:00+00', format('select api.claim_lead(%L)', :'lead')),
    'ok', 'and can from then on'
);

-- the quota: registrations plus claims in 30 days
select is(
    tests.act('manager@alpha.test', '2026-04-20 09:00+00',
        format('select api.expire_now(%L, %L)', (select id from app.leads where company_name = 'Hotel Post'),
            'Back to the pool for the quota test')),
    'ok', 'another lead goes to the pool'
);
select is(
    tests.act('admin@alpha.test', '2026-04-20 09:00+00',
        format($$ select api.set_setting('lead.claim.maxPerMonth', 'user', '1', %L) $$, tests.user_id('third@alpha.test'))),
    'ok', 'third may acquire one lead per 30 days'
);
select is(
    tests.act('third@alpha.test', '2026-04-20 09:00+00', $$ select api.register_lead('Gasthaus Rose', '10115', 'Berlin') $$),
    'ok', 'third registers one lead'
);
select is(
    tests.act('third@alpha.test', '2026-04-21 09:00+00',
        format('select api.claim_lead(%L)', (select id from app.leads where company_name = 'Hotel Post'))),
    'FP308 422', 'a claim beyond the quota is refused'
);
select is(
    tests.act('third@alpha.test', '2026-05-20 09:00:01+00',
        format('select api.claim_lead(%L)', (select id from app.leads where company_name = 'Hotel Post'))),
    'ok', 'once the registration is 30 days old, the claim succeeds'
);

select * from finish();
rollback;
