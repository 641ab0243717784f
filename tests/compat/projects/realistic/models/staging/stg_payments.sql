select payment_id, customer_id, amount_cents, method from {{ ref('raw_payments') }}
