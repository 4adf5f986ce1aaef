variable "name_prefix" {
  description = "Prefix of every resource name (functions, table, roles, queues, secrets). Two deployments in one account need two prefixes."
  type        = string
  default     = "reviewgate"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix is 3 to 32 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "artifacts_dir" {
  description = "Directory holding the functions' zip artefacts as `cargo lambda build --release --arm64 --output-format zip` writes them: `<artifacts_dir>/<binary>/bootstrap.zip` (by default `target/lambda`)."
  type        = string

  validation {
    condition     = length(trimspace(var.artifacts_dir)) > 0 && !endswith(var.artifacts_dir, "/")
    error_message = "artifacts_dir is a directory path without a trailing slash, e.g. \"../../target/lambda\"."
  }
}

variable "architecture" {
  description = "Instruction set of the artefacts: arm64 (`cargo lambda build --arm64`, the default and cheaper) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture is \"arm64\" or \"x86_64\"."
  }
}

variable "ai_enabled" {
  description = "Whether reviews get an AI version from Bedrock: creates the ai-reviewer function, its stream trigger and its grant on the model. Request access to the model in the Bedrock console first."
  type        = bool
  default     = false
}

variable "bedrock_model_id" {
  description = "Bedrock model id (`anthropic.claude-3-5-haiku-20241022-v1:0`) or cross-region inference profile id (`eu.anthropic…`) the AI reviewer calls through Converse."
  type        = string
  default     = "anthropic.claude-3-5-haiku-20241022-v1:0"

  validation {
    condition     = can(regex("^[a-z0-9-]+(\\.[a-z0-9-]+)+(:[0-9]+)?(:[a-z0-9-]+)?$", var.bedrock_model_id))
    error_message = "bedrock_model_id is a Bedrock model or inference profile id such as \"anthropic.claude-3-5-haiku-20241022-v1:0\"."
  }
}

variable "bedrock_model_regions" {
  description = "Regions the model may run in. Empty (the default): the deployment's region. A cross-region inference profile routes to several regions, and the AI reviewer's role needs the foundation model in each: list them."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.bedrock_model_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "bedrock_model_regions holds region names such as \"eu-west-1\"."
  }
}

variable "log_retention_days" {
  description = "How long the functions' logs and the API's access log are kept, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days is one of CloudWatch Logs' retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "alarm_subscriptions" {
  description = "Who the alarm topic notifies: SNS subscriptions (protocol and endpoint, e.g. {protocol = \"email\", endpoint = \"oncall@example.com\"}). Other subscribers can use the `alarm_topic_arn` output."
  type = list(object({
    protocol = string
    endpoint = string
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.alarm_subscriptions : contains(["email", "email-json", "https", "sqs", "lambda", "sms"], s.protocol)])
    error_message = "alarm_subscriptions protocols are email, email-json, https, sqs, lambda or sms."
  }
}

variable "webhook_sources" {
  description = "Sources whose webhooks reach the backend directly, each getting a secret to fill (github, gitlab, bitbucket, spacelift, standard_webhooks). Behind the edge Worker only the edge signing secret is needed: set []."
  type        = set(string)
  default     = ["github"]

  validation {
    condition     = alltrue([for s in var.webhook_sources : contains(["github", "gitlab", "bitbucket", "spacelift", "standard_webhooks"], s)])
    error_message = "webhook_sources holds github, gitlab, bitbucket, spacelift or standard_webhooks."
  }
}

variable "code_hosts" {
  description = "Code hosts (and Spacelift) the event processor reads changes from and reports to, each getting a credential secret to fill: github (a token, or with github_app a GitHub App's private key), gitlab, bitbucket, spacelift."
  type        = set(string)
  default     = ["github"]

  validation {
    condition     = alltrue([for h in var.code_hosts : contains(["github", "gitlab", "bitbucket", "spacelift"], h)])
    error_message = "code_hosts holds github, gitlab, bitbucket or spacelift."
  }
}

variable "github_app" {
  description = "Whether reviewgate signs in to GitHub as a GitHub App (a private-key secret) rather than with a token (a token secret). Only a GitHub App may write check runs with annotations."
  type        = bool
  default     = true
}

variable "api_throttling" {
  description = "The HTTP API's default throttling: steady requests per second and burst, for all routes together."
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  default = {
    rate_limit  = 50
    burst_limit = 100
  }

  validation {
    condition     = var.api_throttling.rate_limit > 0 && var.api_throttling.burst_limit >= 1
    error_message = "api_throttling needs a positive rate_limit and a burst_limit of at least 1."
  }
}

variable "reserved_concurrency" {
  description = "Concurrent executions reserved for (and capping) each function: bounds what a flood of requests or events can cost and how hard it can hit DynamoDB, Bedrock and the code hosts."
  type = object({
    api             = number
    intake          = number
    event_processor = number
    ai_reviewer     = number
    aggregator      = number
  })
  default = {
    api             = 20
    intake          = 20
    event_processor = 4
    ai_reviewer     = 4
    aggregator      = 1
  }

  validation {
    condition     = alltrue([for n in values(var.reserved_concurrency) : n >= 1])
    error_message = "reserved_concurrency is at least 1 per function."
  }
}

variable "kms_key_arn" {
  description = "A customer managed KMS key to encrypt the table, logs, queues, topic, secrets and function environments with. Null (the default): the module creates one, with rotation. A key of your own must let CloudWatch Logs (logs.<region>.amazonaws.com) and CloudWatch alarms (cloudwatch.amazonaws.com) use it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn))
    error_message = "kms_key_arn is a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
