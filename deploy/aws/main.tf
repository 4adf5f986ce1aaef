locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id

  # one(…[*]): without the module's key (count 0) this is null, never an index error.
  kms_key_arn = coalesce(var.kms_key_arn, one(aws_kms_key.reviewgate[*].arn))

  tags = merge(var.tags, { "reviewgate:module" = "deploy/aws" })

  # Every index of the table carries these besides its keys (store/table.rs, PROJECTED).
  index_projection = ["summary", "repository", "stack", "status", "risk_level", "envelope", "attempts"]

  # One secret per variable the backend reads, each for the function that reads
  # it; the function's environment holds the secret's ARN under the variable's name
  # with `_SECRET_ARN` appended. Intake verifies webhooks; the event processor signs
  # in to the code hosts.
  webhook_secret_variables = {
    github            = ["REVIEWGATE_GITHUB_WEBHOOK_SECRETS"]
    gitlab            = ["REVIEWGATE_GITLAB_WEBHOOK_TOKENS", "REVIEWGATE_GITLAB_SIGNING_SECRETS"]
    bitbucket         = ["REVIEWGATE_BITBUCKET_WEBHOOK_SECRETS"]
    spacelift         = ["REVIEWGATE_SPACELIFT_WEBHOOK_SECRETS"]
    standard_webhooks = ["REVIEWGATE_STANDARD_WEBHOOKS_SECRETS"]
  }
  intake_secrets = concat(
    ["REVIEWGATE_EDGE_SECRETS"],
    flatten([for source in sort(tolist(var.webhook_sources)) : local.webhook_secret_variables[source]]),
  )
  code_host_secret_variables = {
    github_app   = ["REVIEWGATE_GITHUB_APP_PRIVATE_KEY"]
    github_token = ["REVIEWGATE_GITHUB_TOKEN"]
    gitlab       = ["REVIEWGATE_GITLAB_TOKEN"]
    bitbucket    = ["REVIEWGATE_BITBUCKET_TOKEN"]
    spacelift    = ["REVIEWGATE_SPACELIFT_API_KEY_SECRET"]
  }
  # GitHub signs in as an App or with a token (var.github_app).
  code_host_secret_keys = [
    for host in sort(tolist(var.code_hosts)) : host == "github" ? (var.github_app ? "github_app" : "github_token") : host
  ]
  event_processor_secrets = flatten([for key in local.code_host_secret_keys : local.code_host_secret_variables[key]])

  secrets = merge(
    { for name in local.intake_secrets : name => "intake" },
    { for name in local.event_processor_secrets : name => "event-processor" },
  )

  # The model's ARNs: a foundation model in the deployment's region (or each listed
  # one), and for a cross-region inference profile (`eu.…`, `us.…`) the profile too.
  bedrock_is_profile = can(regex("^(us|eu|apac|us-gov|global)\\.", var.bedrock_model_id))
  bedrock_base_model = local.bedrock_is_profile ? join(".", slice(split(".", var.bedrock_model_id), 1, length(split(".", var.bedrock_model_id)))) : var.bedrock_model_id
  bedrock_regions    = length(var.bedrock_model_regions) > 0 ? var.bedrock_model_regions : [local.region]
  bedrock_model_arns = concat(
    [for r in local.bedrock_regions : "arn:${local.partition}:bedrock:${r}::foundation-model/${local.bedrock_base_model}"],
    local.bedrock_is_profile ? ["arn:${local.partition}:bedrock:${local.region}:${local.account_id}:inference-profile/${var.bedrock_model_id}"] : [],
  )
}
