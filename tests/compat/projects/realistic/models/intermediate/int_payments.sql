select customer_id, {{ adapter.dispatch('to_money', 'realistic')('amount_cents') }} as amount, method
from {{ ref('stg_payments') }}
