# One secret per secret variable the backend reads (main.tf, local.secrets): the
# module creates them empty; the operator puts each value once (docs/deployment.md),
# one secret per line as in the environment (several during a rotation). Values
# never pass through Terraform, so they are in no state file.
resource "aws_secretsmanager_secret" "reviewgate" {
  #checkov:skip=CKV2_AWS_57:webhook secrets and code-host tokens are rotated at the provider, then put here (docs/deployment.md); there is no rotation Lambda to call
  for_each = local.secrets

  name        = "${var.name_prefix}/${lower(replace(trimprefix(each.key, "REVIEWGATE_"), "_", "-"))}"
  description = "reviewgate ${each.value}: ${each.key}, one value per line"
  kms_key_id  = local.kms_key_arn
  tags        = local.tags
}
