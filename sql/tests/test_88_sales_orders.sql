-- Xentral customers and sales orders (SPEC 8.2): the customer link, placing an order (nothing
-- half-stored on bad input), the import body the worker posts, and the worker's side: the first
-- attempt is marked so that a retry looks the order up, a submission logs ORDER_PLACED (progress),
-- a refusal fails the order and notifies the owner.
begin;
select plan(46);

select tests.create_tenant('alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.register_lead('rep@alpha.test', 'Gasthaus Sonne', '2026-03-02 09:00+00') as lead \gset

create function pg_temp.tenant() returns uuid
language sql as $$ select t.id from app.tenants as t where t.slug = 'alpha' $$;
create function pg_temp.orders() returns bigint
language sql as $$ select count(*) from app.sales_orders $$;
insert into app.products (tenant_id, sku, name, unit, xentral_id, net_price, currency) values
(pg_temp.tenant(), 'SAFT-1', 'Apfelsaft', 'Liter', '11', 2.5, 'EUR'),
(pg_temp.tenant(), 'BROT-2', 'Brot', 'Stück', '12', null, null),
(pg_temp.tenant(), 'ALT-3', 'Ausgelistet', 'kg', '13', 1, 'EUR'),
(pg_temp.tenant(), 'HAND-4', 'Von Hand', 'kg', null, null, null);
update app.products set active = false where sku = 'ALT-3';

-- ------------------------------------------------------------ the customer link
select is(
    tests.act('rep@alpha.test', '2026-03-03 09:00+00', format($$ select api.link_xentral_customer(%L, 'x17')$$, :'lead')),
    'FP812 400', 'a customer id that is not Xentral''s is refused'
);
select is(
    tests.act('rep@alpha.test', '2026-03-03 09:00+00', format($$ select api.link_xentral_customer(%L, '17')$$, :'lead')),
    'ok', 'the owner links the lead to a Xentral customer'
);
select is(
    (select xentral_customer_id from app.lead_details where lead_id = :'lead'), '17', 'the link is stored'
);
select is(
    (select after ->> 'xentral_customer_id' from app.audit_log where action = 'lead.xentral_linked'), '17',
    'and audited'
);
select is(
    tests.act('rep@alpha.test', '2026-03-03 09:00+00', format($$ select api.link_xentral_customer(%L, '17')$$, :'lead')),
    'ok', 'linking again to the same customer'
);
select is(
    (select count(*)::int from app.audit_log where action = 'lead.xentral_linked'), 1, 'is not audited twice'
);

-- ------------------------------------------------------------ placing an order
select is(
    tests.act('rep@alpha.test', '2026-03-03 09:00+00', format(
        $$ select api.create_sales_order(%L, '[{"sku": "SAFT-1", "qty": 3}]')$$, :'lead'
    )),
    'FP811 409', 'no worker has Xentral credentials: the order would never leave'
);
update app.connectors set configured = true where connector = 'xentral';

select is(
    tests.act('rep@alpha.test', '2026-03-03 09:00+00', format($$ select api.create_sales_order(%L, %L)$$, :'lead', v.items)),
    v.expected, v.description
)
from (values
    ('[]', 'FP814 400', 'no positions'),
    ('{"sku": "SAFT-1", "qty": 1}', 'FP814 400', 'items not an array'),
    ('[{"sku": "SAFT-1", "qty": 0}]', 'FP814 400', 'qty 0'),
    ('[{"sku": "SAFT-1", "qty": 1.5}]', 'FP814 400', 'a fraction'),
    ('[{"sku": "SAFT-1", "qty": "2"}]', 'FP814 400', 'qty as text'),
    ('[{"sku": "SAFT-1", "qty": 1, "price": 0.01}]', 'FP814 400', 'a price of the caller''s own'),
    ('[{"sku": "SAFT-1", "qty": 1}, {"sku": "SAFT-1", "qty": 2}]', 'FP814 400', 'a product twice'),
    ('[{"sku": "ALT-3", "qty": 1}]', 'FP815 400', 'an inactive product'),
    ('[{"sku": "HAND-4", "qty": 1}]', 'FP815 400', 'a product Xentral does not know'),
    ('[{"sku": "SAFT-1", "qty": 1}, {"sku": "NOPE", "qty": 1}]', 'FP815 400', 'an unknown product after a good one')
) as v (items, expected, description);
select is(pg_temp.orders(), 0::bigint, 'nothing of the refused orders is stored');

select tests.freeze_time('2026-03-20 09:00+00');
select tests.authenticate_as('rep@alpha.test');
select o.id as order_id, o.number as order_number
from api.create_sales_order(:'lead', '[{"sku": "SAFT-1", "qty": 3}, {"sku": "BROT-2", "qty": 10}]', ' Bitte vormittags ') as o
\gset
select tests.clear_authentication();
select matches(:'order_number'::text, '^FP-[0-9]{6}$', 'the order has our number');
select is(
    (select (state, items, note)::text from app.sales_orders where id = :'order_id'),
    '(PENDING,"[{""qty"": 3, ""sku"": ""SAFT-1"", ""name"": ""Apfelsaft"", ""currency"": ""EUR"", ""net_price"": 2.5000, '
    '""xentral_id"": ""11""}, {""qty"": 10, ""sku"": ""BROT-2"", ""name"": ""Brot"", ""currency"": null, '
    '""net_price"": null, ""xentral_id"": ""12""}]","Bitte vormittags")',
    'it is PENDING with the positions as of now (Xentral ids and prices)'
);
select is(
    (select (kind, state, payload ->> 'order_id', lead_id)::text from app.jobs where kind = 'xentral.order'),
    format('(xentral.order,PENDING,%s,%s)', :'order_id'::text, :'lead'::text), 'its submission is queued'
);
select is(
    (select after ->> 'number' from app.audit_log where action = 'sales_order.created'), :'order_number'::text,
    'the order is audited'
);

-- ------------------------------------------------------------ what the worker posts
select is(
    app.sales_order_import_body((select o from app.sales_orders as o where o.id = :'order_id')),
    jsonb_build_object(
        'date', '2026-03-20',
        'externalOrderNumber', :'order_number'::text,
        'customer', jsonb_build_object('id', '17'),
        'project', jsonb_build_object('id', '1'),
        'financials', jsonb_build_object('paymentMethod', jsonb_build_object('id', '1'), 'currency', 'EUR'),
        'delivery', jsonb_build_object('shippingMethod', jsonb_build_object('id', '1'), 'autoShipping', false),
        'positions', jsonb_build_array(
            jsonb_build_object('product', jsonb_build_object('id', '11'), 'quantity', 3,
                               'price', jsonb_build_object('amount', '2.5000', 'currency', 'EUR')),
            jsonb_build_object('product', jsonb_build_object('id', '12'), 'quantity', 10)
        ),
        'comment', 'Bitte vormittags'
    ),
    'the import body: our number as externalOrderNumber, Xentral''s ids, autoShipping off, no price Xentral must find'
);
insert into app.settings_values (key, scope, tenant_id, target_id, value)
values ('xentral.orderDefaults', 'tenant', pg_temp.tenant(), pg_temp.tenant(), '{"shippingMethodId": "7"}');
select is(
    app.sales_order_import_body((select o from app.sales_orders as o where o.id = :'order_id')) -> 'delivery' -> 'shippingMethod',
    '{"id": "7"}', 'the tenant''s shipping method'
);
select is(
    app.sales_order_import_body((select o from app.sales_orders as o where o.id = :'order_id')) -> 'project',
    '{"id": "1"}', 'merged over the defaults'
);

-- ------------------------------------------------------------ the worker's side
select is(
    app_private.sales_order_for_submission(:'order_id') ->> 'look_up_first', 'false', 'the first attempt posts at once'
);
select is(
    app_private.sales_order_for_submission(:'order_id') ->> 'look_up_first', 'true',
    'any later attempt looks the order up first (the first may have reached Xentral)'
);
select app_private.sales_order_delayed(:'order_id', 'Xentral answered 503');
select is(
    (select (state, last_error)::text from app.sales_orders where id = :'order_id'), '(PENDING,"Xentral answered 503")',
    'a temporary failure keeps the order PENDING with the error'
);

select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-20 09:00+00')).last_progress_at,
    '2026-03-02 09:00+00'::timestamptz, 'before: progress at registration'
);
select tests.freeze_time('2026-03-21 10:00+00');
select ok(app_private.sales_order_submitted(:'order_id', '901'), 'Xentral has the order');
select is(
    (select (state, xentral_id, last_error)::text from app.sales_orders where id = :'order_id'), '(SUBMITTED,901,)',
    'SUBMITTED with Xentral''s id'
);
select is(
    (select (kind, created_by = tests.user_id('rep@alpha.test'))::text from app.activities where lead_id = :'lead' and kind = 'ORDER_PLACED'),
    '(ORDER_PLACED,t)', 'an ORDER_PLACED activity of whoever placed it'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-21 10:00+00')).last_progress_at,
    '2026-03-21 10:00+00'::timestamptz, 'which renews the protection'
);
select ok(not app_private.sales_order_submitted(:'order_id', '902'), 'a second confirmation changes nothing');
select is(
    (select count(*)::int from app.activities where lead_id = :'lead' and kind = 'ORDER_PLACED'), 1,
    'and logs nothing twice'
);

-- a refusal (Xentral's validation), on an order a manager placed
select tests.authenticate_as('manager@alpha.test');
select o.id as refused_id from api.create_sales_order(:'lead', '[{"sku": "SAFT-1", "qty": 1}]') as o \gset
select tests.clear_authentication();
select ok(app_private.sales_order_refused(:'refused_id', 'customer: Customer 17 is blocked.'), 'Xentral refused');
select is(
    (select (state, last_error)::text from app.sales_orders where id = :'refused_id'),
    '(FAILED,"customer: Customer 17 is blocked.")', 'FAILED with Xentral''s message'
);
select is(
    (select array_agg(u.email order by u.email)::text from app.notifications as n
     inner join app.users as u on n.user_id = u.id
     where n.kind = 'ORDER_FAILED'),
    '{manager@alpha.test,rep@alpha.test}', 'the owner and the manager who placed it are told'
);
select is(
    (select count(*)::int from app.audit_log where action = 'sales_order.refused' and entity_id = :'refused_id'), 1,
    'the refusal is audited'
);
select ok(not app_private.sales_order_refused(:'refused_id', 'again'), 'a failed order is not refused twice');
select is(app_private.sales_order_for_submission(:'refused_id') ->> 'state', 'FAILED', 'the worker sees it is FAILED');

-- cancelling: only an order Xentral was not sent yet
select is(
    tests.act('rep@alpha.test', '2026-03-21 10:00+00', format($$ select api.cancel_sales_order(%L) $$, :'order_id')),
    'FP828 409', 'a submitted order is Xentral''s: cancel it there'
);
select tests.freeze_time('2026-03-21 10:00+00');
select tests.authenticate_as('rep@alpha.test');
select o.id as unsent_id from api.create_sales_order(:'lead', '[{"sku": "SAFT-1", "qty": 2}]') as o \gset
select tests.clear_authentication();
select is(
    tests.act('rep@alpha.test', '2026-03-21 10:00+00', format($$ select api.cancel_sales_order(%L) $$, :'unsent_id')),
    'ok', 'the owner cancels an order not sent yet'
);
select is(
    (select (o.state, j.state)::text from app.sales_orders as o
     inner join app.jobs as j on j.payload ->> 'order_id' = o.id::text where o.id = :'unsent_id'),
    '(CANCELLED,CANCELLED)', 'the order and its job are cancelled'
);
select is(
    (select count(*)::int from app.audit_log where action = 'sales_order.cancelled' and entity_id = :'unsent_id'), 1,
    'audited'
);
select is(
    app_private.sales_order_for_submission(:'unsent_id') ->> 'state', 'CANCELLED',
    'a worker that took the job meanwhile finds nothing to send'
);

select * from finish();
rollback;
