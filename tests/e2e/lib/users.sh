# People of the local cluster for the e2e scenarios: each a client
# certificate signed by the cluster's CA, so the API server authenticates them
# as it would anyone (no impersonation, never the admin).
# shellcheck shell=bash

# user_kubeconfig NAME: prints the path of a kubeconfig that authenticates as
# user NAME (made once per run in $work).
user_kubeconfig() {
  local name=$1 certs="$LABFLEET_CLUSTER_DIR/certs" file="$work/$1.kubeconfig"
  if [[ ! -f $file ]]; then
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$work/$name.key" -out "$work/$name.csr" 2>/dev/null
    openssl x509 -req -in "$work/$name.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" -CAcreateserial \
      -CAserial "$work/ca.srl" -days 1 -out "$work/$name.crt" 2>/dev/null
    kubectl config view --raw --minify >"$file"
    kubectl --kubeconfig "$file" config set-credentials "$name" --embed-certs \
      --client-certificate="$work/$name.crt" --client-key="$work/$name.key" >/dev/null
    kubectl --kubeconfig "$file" config set-context --current --user="$name" >/dev/null
  fi
  printf '%s\n' "$file"
}
