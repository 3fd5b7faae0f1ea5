#!/usr/bin/env bash
# A walk through the e-commerce areas against a node started with
# `make run` (development certificates in .data/certs): the customs body
# and exchange rates, an operator's application and inclusion, a
# declaration filed, registered with its duty, paid and released, and the
# public register. Run from the repository root: bash scripts/demo.sh
set -euo pipefail
ADDR=${ADDR:-127.0.0.1:8443}
HTTP=${HTTP:-127.0.0.1:8444}
C=.data/certs
GRPCURL=(go tool -modfile=tools/go.mod grpcurl -cacert "$C/ca.pem")
as() { local role=$1; shift; "${GRPCURL[@]}" -cert "$C/$role.pem" -key "$C/$role-key.pem" "$@"; }
field() { sed -n "s/.*\"$1\": \"\([^\"]*\)\".*/\1/p" | head -1; }
run() { echo "+ $*" | cut -c1-160 >&2; "$@"; }
in1y=$(date -d '+1 year' +%F); in3y=$(date -d '+3 years' +%F); rid=$(date +%s%N)

echo "== customs: the customs body and the exchange rates" >&2
run as customs -d '{"customs_body":{"code":"55201000","member_state":"KZ","display_name":"Almaty customs post"}}' \
  "$ADDR" eaeu.reference.v1.CustomsBodyService/CreateCustomsBody >/dev/null || true
run as customs -d '{"request_id":"demo-rates-0001","exchange_rates":[{"currency_code":"EUR","effective_date":"2020-01-01","rate":"500"},{"currency_code":"USD","effective_date":"2020-01-01","rate":"450"}]}' \
  "$ADDR" eaeu.reference.v1.ExchangeRateService/CreateExchangeRates >/dev/null || true

echo "== operator: application for the register (art. 429.2)" >&2
app=$(run as operator -d '{"application":{"details":{"legal_entity_number":"KZ-OP-0001","legal_name":"Example Fulfilment LLP","member_state":"KZ",
  "premises":[{"address":"Almaty, warehouse 1","lease_end_date":"'"$in3y"'","kind":"PREMISES_KIND_TEMPORARY_STORAGE"}],
  "security":{"kind":"bank guarantee","amount":{"currency_code":"EUR","amount":"2000000"},"valid_until":"'"$in3y"'"},
  "insurance":{"policy_number":"POL-1","insured_amount":{"currency_code":"KZT","amount":"50000000"},"valid_from":"2020-01-01","valid_until":"'"$in1y"'"},
  "information_system_endpoint":"https://is.example.kz:443/customs","qualified_employee_certificates":["QC-1","QC-2"],
  "scope":"SCOPE_GOODS_BOUGHT_BY_INDIVIDUALS"}}}' "$ADDR" eaeu.operators.v1.RegisterService/SubmitApplication)
app_name=$(echo "$app" | field name)
echo "$app" | grep -c '"met": true' | xargs echo "conditions met:" >&2
dec=$(run as customs -d '{"name":"'"$app_name"'","include":true}' "$ADDR" eaeu.operators.v1.RegisterService/DecideApplication || true)
number=$(echo "$dec" | field registerNumber)
if [ -z "$number" ]; then # included on an earlier run
  number=$(curl -s --cacert "$C/ca.pem" "https://$HTTP/v1/publicOperators" | sed -n 's/.*"registerNumber":"\([^"]*\)".*/\1/p' | head -1)
fi
echo "register number: $number" >&2

echo "== operator: a declaration for e-commerce goods" >&2
filed=$(run as operator -d '{"request_id":"demo-file-'"$rid"'","declaration":{"customs_body_code":"55201000",
  "declarant":{"kind":"DECLARANT_KIND_OPERATOR","operator_register_number":"'"$number"'"},
  "recipient":{"individual_number":"900501300123","full_name":"Aigerim Example","birth_date":"1990-05-01","country_code":"KZ","address":"Almaty"},
  "parcels":[{"parcel_number":"RR123456785CN","gross_weight_kg":"2.5","items":[
    {"item_id":"1","description":"jacket","hs_code":"6201400000","quantity":"1","unit":"pcs","price":{"currency_code":"USD","amount":"300"}},
    {"item_id":"2","description":"shoes","hs_code":"6403990000","quantity":"1","unit":"pcs","price":{"currency_code":"EUR","amount":"100"}}]}]}}' \
  "$ADDR" eaeu.ecommerce.v1.DeclarationService/FileDeclaration)
name=$(echo "$filed" | field name)

echo "== customs: registration, duty (art. 309.8), payment, release (art. 309.5)" >&2
reg=$(run as customs -d '{"name":"'"$name"'"}' "$ADDR" eaeu.ecommerce.v1.DeclarationService/RegisterDeclaration)
echo "number $(echo "$reg" | field number), duty $(echo "$reg" | field total) KZT" >&2
run as customs -d '{"name":"'"$name"'","payment":{"reference":"T-'"$rid"'","amount":{"currency_code":"KZT","amount":"12750.00"},"payment_date":"'"$(date +%F)"'"}}' \
  "$ADDR" eaeu.ecommerce.v1.DeclarationService/RecordPayment | field state | xargs echo "obligation:" >&2
run as customs -d '{"name":"'"$name"'","decisions":[{"item_id":"1","release":true},{"item_id":"2","release":true}]}' \
  "$ADDR" eaeu.ecommerce.v1.DeclarationService/DecideRelease | grep -m1 '"status"' >&2

echo "== anyone: the public register" >&2
run curl -s --cacert "$C/ca.pem" "https://$HTTP/v1/publicOperators"; echo
