#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from tests/fixtures and a few hand-written
# inputs (docs/fuzzing.md). Targets that pick a kind by their first byte
# get it prefixed. Run from fuzz/; existing corpus files are kept.
set -euo pipefail
F=../tests/fixtures
seed() { # seed TARGET NAME PREFIX-BYTE(octal or "") FILE...
  local target=$1 name=$2 prefix=$3
  shift 3
  mkdir -p "corpus/$target"
  { if [ -n "$prefix" ]; then printf "\\$prefix"; fi; cat "$@"; } >"corpus/$target/seed-$name"
}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat >"$t/main.tf" <<'HCL'
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
module "vpc" {
  source = "git::https://github.com/org/vpc.git?ref=v1.2.3" # v1.2.3
}
module "db" {
  source = "github.com/org/db?ref=main"
}
module "reg" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0" # iacgate:allow unpinned -- a range on purpose
}
# iacgate:allow new-dependency
provider "aws" {
  region = "eu-west-1"
}
HCL
cat >"$t/main.tf.json" <<'JSON'
{"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.1.0"}}},
 "module": {"vpc": {"source": "git::https://github.com/org/vpc.git?ref=v1.2.3"}}}
JSON
cat >"$t/lock.hcl" <<'HCL'
# This file is maintained automatically by "terraform init".
provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.1.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ=",
    "zh:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  ]
}
HCL
cat >"$t/go.work" <<'GO'
go 1.22
use ./infra
replace github.com/pulumi/pulumi-aws/sdk/v6 => ../fork
GO
cat >"$t/gitattributes" <<'GA'
*.sh text eol=lf
*.tf ident
[attr]enc working-tree-encoding=UTF-16
*.yaml enc
GA
cat >"$t/policy.toml" <<'TOML'
[pinning]
actions = "tag"
[allow]
modules = ["github.com/org/*"]
[signoff]
reviewers = ["*@example.com"]
required = 2
[rules]
unpinned = "warn"
TOML

for f in "$t/main.tf" $F/fuzz/hcl/deep-brackets.tf; do seed hcl "$(basename "$f")" "" "$f"; done
seed terraform_json main.tf.json "" "$t/main.tf.json"
seed lockfile lock.hcl "" "$t/lock.hcl"
for f in $F/terragrunt/*.hcl $F/terragrunt/*/*.hcl $F/terragrunt/live/prod/vpc/terragrunt.hcl; do
  seed terragrunt "$(echo "${f#$F/}" | tr / _)" "" "$f"
done
for f in $F/cloudformation/* $F/images/k8s/*; do seed cloudformation "$(basename "$f")" "" "$f"; done
i=0
for f in Pulumi.yaml Main.yaml package.json requirements.txt pyproject.toml go.mod; do
  seed pulumi "$f" "00$i" "$F/pulumi/$f"; i=$((i + 1))
done
seed pulumi Main.json 001 "$F/pulumi/Main.json"
seed pulumi go.work 006 "$t/go.work"
for f in $F/github/.github/workflows/*; do seed workflow "$(basename "$f")" 000 "$f"; done
seed workflow action.yml 001 $F/github/.github/actions/setup-tools/action.yml
seed workflow gitlab-ci.yml 002 $F/gitlab/.gitlab-ci.yml
seed chart Chart.yaml 000 $F/helm/Chart.yaml
seed chart Chart.lock 001 $F/helm/Chart.lock
seed kustomization kustomization.yaml 000 $F/kustomize/kustomization.yaml
seed kustomization requirements.yml 001 $F/ansible/requirements.yml
seed dockerfile Dockerfile 000 $F/images/Dockerfile
seed dockerfile compose.yaml 001 $F/images/compose.yaml
seed policy policy.toml "" "$t/policy.toml"

# render: the first byte indexes its PATHS.
r() { seed render "$1" "$(printf '%03o' "$2")" "$3"; }
r main.tf 0 "$t/main.tf"; r main.tofu.json 1 "$t/main.tf.json"; r lock 2 "$t/lock.hcl"
r terragrunt.hcl 3 $F/terragrunt/terragrunt.hcl; r template.yaml 4 $F/cloudformation/sam-app.yaml
r Pulumi.yaml 5 $F/pulumi/Pulumi.yaml; r Main.json 6 $F/pulumi/Main.json
r package.json 7 $F/pulumi/package.json; r requirements.txt 8 $F/pulumi/requirements.txt
r pyproject.toml 9 $F/pulumi/pyproject.toml; r go.mod 10 $F/pulumi/go.mod; r go.work 11 "$t/go.work"
r workflow 12 $F/github/.github/workflows/terraform.yml
r action.yml 13 $F/github/.github/actions/setup-tools/action.yml
r gitlab-ci.yml 14 $F/gitlab/.gitlab-ci.yml; r Chart.yaml 15 $F/helm/Chart.yaml
r Chart.lock 16 $F/helm/Chart.lock; r kustomization.yaml 17 $F/kustomize/kustomization.yaml
r Dockerfile 18 $F/images/Dockerfile; r compose.yaml 19 $F/images/compose.yaml
r requirements.yml 20 $F/ansible/requirements.yml; r gitattributes 21 "$t/gitattributes"
r cache 22 "$t/main.tf"; r policy 23 "$t/policy.toml"
# A change: old side, NUL, new side (options bit 1: shown as a commit).
{ printf '\000'; sed 's/v1.2.3/v1.2.2/; s/~> 5.0/~> 4.0/' "$t/main.tf"; printf '\000'; cat "$t/main.tf"; } >corpus/render/seed-change.tf
{ printf '\030'; sed 's/v2.3.0/v2.2.0/' $F/github/.github/workflows/terraform.yml; printf '\000'
  cat $F/github/.github/workflows/terraform.yml; } >corpus/render/seed-change-workflow

seed suppress main.tf 000 "$t/main.tf"
mkdir -p corpus/gitmodules
printf '[submodule "vendor/x"]\n\tpath = vendor/x\n\turl = https://github.com/org/x.git\n[submodule "y"] path = y/ ; c\n\turl = "git@github.com:org/y.git" # c\n' >corpus/gitmodules/seed-gitmodules
{ printf '[submodule "vendor/x"]\n\tpath = vendor/x\n\turl = https://github.com/org/old.git\n\000'; cat corpus/gitmodules/seed-gitmodules; } >corpus/gitmodules/seed-change

mkdir -p corpus/raw_diff
z40=0000000000000000000000000000000000000000
a40=1234567890abcdef1234567890abcdef12345678
printf ":000000 100644 $z40 $a40 A\000main.tf\000:100644 100644 $a40 $a40 R087\000old.tf\000new.tf\000:100644 000000 $a40 $z40 D\000gone.tf\000:160000 160000 $a40 $a40 M\000vendor/x\000" >corpus/raw_diff/seed-raw

mkdir -p corpus/include
{ printf '.gitlab-ci.yml\ninclude:\n  - local: ci/a.yml\n  - ci/*.yml\n  - project: org/x\n    ref: v1\n    file: b.yml\njob:\n  trigger:\n    include: ci/child.yml\n\000ci/a.yml\ninclude: ci/b.yml\nimage: alpine:3\n\000ci/b.yml\ninclude: ci/a.yml\n\000ci/child.yml\nimage: nginx:1.27\n'; } >corpus/include/seed-gitlab
{ for f in terragrunt.hcl root.hcl vault.hcl _envcommon/vpc.hcl live/prod/vpc/terragrunt.hcl terragrunt.stack.hcl; do
    printf '%s\n' "$f"; cat "$F/terragrunt/$f"; printf '\000'; done; } >corpus/include/seed-terragrunt

mkdir -p corpus/approval
printf '\000Change the VPC module\n\nBody.\n\nReviewed-by: Bob <bob@example.com>\nApproved-by: Eve <eve@example.com>\nIacgate-Approval: v1 00000000,1a2b3c4d U1NIU0lHAAAAAQ==\nSigned-off-by: Ann <author@example.com>\n' >corpus/approval/seed-plain
printf '\001Title\n\nApproved-by: Bob <bob@example.com>\nIacgate-Approval: v1 00000000 U1NIU0lHAAAA\n AQAAADMAAAAL\nApproved-by: Eve <eve@example.com.>\nIacgate-Approval: v1 ffffffff U1NIU0lH\nIacgate-Approval: v1 00000000 U1NIU0lH\n# comment\n' >corpus/approval/seed-signed

seed pin main.tf 000 "$t/main.tf"
seed pin terragrunt.hcl 001 $F/terragrunt/terragrunt.hcl
seed pin workflow 002 $F/github/.github/workflows/terraform.yml
seed pin action.yml 003 $F/github/.github/actions/setup-tools/action.yml
seed pin kustomization.yaml 004 $F/kustomize/kustomization.yaml

mkdir -p corpus/remote
printf "\000v1.2.3\n$a40\trefs/heads/main\n$a40\trefs/tags/v1.2.3\n$z40\trefs/tags/v1\n$a40\trefs/tags/v1^{}\n" >corpus/remote/seed-ls-remote
printf '\001\n{"modules.v1": "/v1/modules", "providers.v1": "/v1/providers/"}' >corpus/remote/seed-discovery
printf '\002~> 1.2\n{"modules": [{"versions": [{"version": "1.2.0"}, {"version": "1.3.0-beta"}, {"version": "1.9.9"}, {"version": "2.0.0"}]}]}' >corpus/remote/seed-versions

mkdir -p corpus/classify
while IFS= read -r f; do
  rel=${f#$F/}
  for p in "$rel" "$(basename "$rel")"; do
    { printf '%s\000' "$p"; cat "$f"; } >"corpus/classify/seed-$(echo "$p" | tr / _)"
  done
done < <(find $F -type f -not -path "$F/fuzz/*")
for p in main.tf x.tofu a/b.tofu.json .terraform/modules/m/main.tf terraform.d/plugins/x .gitattributes \
  go.work infra/Dockerfile.prod api-Containerfile docker-compose.override.yml .gitlab/ci/a.yml \
  node_modules/x/main.tf a.pkr.hcl; do
  printf '%s\000' "$p" >"corpus/classify/seed-path-$(echo "$p" | tr / _)"
done
printf '.gitattributes\000' >corpus/classify/seed-gitattributes; cat "$t/gitattributes" >>corpus/classify/seed-gitattributes
echo "seeded: $(ls corpus | wc -l) targets, $(find corpus -type f | wc -l) files"
