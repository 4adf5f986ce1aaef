# One function per Lambda binary of backend-lambda (its Cargo.toml `[[bin]]`s with
# the `lambda` feature; `reviewgate-backend-admin` is an operator command run by
# hand). Artefacts: `cargo lambda build --release --arm64 --output-format zip`.
#
# Every function reads its configuration from the environment once
# (backend-lambda/src/config.rs): the table, and the model for the AI reviewer.
# Each secret's ARN is there too, under the variable's name with `_SECRET_ARN`
# appended: the functions read the value from Secrets Manager at start and every
# REVIEWGATE_SECRETS_TTL_SECS after (backend-lambda/src/secrets_manager.rs), so a
# rotation needs no deploy.
#
# No function is in a VPC (CKV_AWS_117, skipped below): they reach only public
# endpoints (DynamoDB, Bedrock, Secrets Manager, the code hosts' APIs) and no
# private resource, so a VPC would add NAT gateways and nothing else.
# Artefacts are built from source by the operator; there is no signing profile to
# verify them against (CKV_AWS_272, skipped below).

resource "aws_lambda_function" "api" {
  #checkov:skip=CKV_AWS_117:reaches public endpoints only, no private resource (see the file's head)
  #checkov:skip=CKV_AWS_272:artefacts are built from source by the operator, no signing profile
  #checkov:skip=CKV_AWS_116:invoked synchronously by API Gateway, which returns the error; a DLQ only serves asynchronous invocations
  function_name                  = "${var.name_prefix}-api"
  description                    = "reviewgate REST API (/api/*, /healthz)"
  role                           = aws_iam_role.api.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = "${var.artifacts_dir}/reviewgate-api/bootstrap.zip"
  source_code_hash               = filebase64sha256("${var.artifacts_dir}/reviewgate-api/bootstrap.zip")
  memory_size                    = 512
  timeout                        = 29
  reserved_concurrent_executions = var.reserved_concurrency.api
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = {
      REVIEWGATE_STORE = "dynamodb"
      REVIEWGATE_TABLE = aws_dynamodb_table.reviews.name
    }
  }

  tracing_config {
    mode = "Active"
  }

  tags       = local.tags
  depends_on = [aws_cloudwatch_log_group.api, aws_iam_role_policy.api]
}

resource "aws_lambda_function" "intake" {
  #checkov:skip=CKV_AWS_117:reaches public endpoints only, no private resource (see the file's head)
  #checkov:skip=CKV_AWS_272:artefacts are built from source by the operator, no signing profile
  #checkov:skip=CKV_AWS_116:invoked synchronously by API Gateway, which returns the error to the sender; senders redeliver
  function_name                  = "${var.name_prefix}-intake"
  description                    = "reviewgate event intake (/webhooks/{source}, /webhook/{source}, /internal/events)"
  role                           = aws_iam_role.intake.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = "${var.artifacts_dir}/reviewgate-intake/bootstrap.zip"
  source_code_hash               = filebase64sha256("${var.artifacts_dir}/reviewgate-intake/bootstrap.zip")
  memory_size                    = 512
  timeout                        = 29
  reserved_concurrent_executions = var.reserved_concurrency.intake
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = merge(
      {
        REVIEWGATE_STORE = "dynamodb"
        REVIEWGATE_TABLE = aws_dynamodb_table.reviews.name
      },
      { for name in local.intake_secrets : "${name}_SECRET_ARN" => aws_secretsmanager_secret.reviewgate[name].arn },
    )
  }

  tracing_config {
    mode = "Active"
  }

  tags       = local.tags
  depends_on = [aws_cloudwatch_log_group.intake, aws_iam_role_policy.intake]
}

resource "aws_lambda_function" "event_processor" {
  #checkov:skip=CKV_AWS_117:reaches public endpoints only, no private resource (see the file's head)
  #checkov:skip=CKV_AWS_272:artefacts are built from source by the operator, no signing profile
  function_name                  = "${var.name_prefix}-event-processor"
  description                    = "reviewgate event processor: reviews what intake stored"
  role                           = aws_iam_role.event_processor.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = "${var.artifacts_dir}/reviewgate-event-processor/bootstrap.zip"
  source_code_hash               = filebase64sha256("${var.artifacts_dir}/reviewgate-event-processor/bootstrap.zip")
  memory_size                    = 1024
  # It works until 30 s before its deadline (src/bin/event_processor.rs).
  timeout                        = 180
  reserved_concurrent_executions = var.reserved_concurrency.event_processor
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = merge(
      {
        REVIEWGATE_STORE = "dynamodb"
        REVIEWGATE_TABLE = aws_dynamodb_table.reviews.name
      },
      { for name in local.event_processor_secrets : "${name}_SECRET_ARN" => aws_secretsmanager_secret.reviewgate[name].arn },
    )
  }

  # Scheduled invocations are asynchronous: one that fails every retry lands here.
  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  tracing_config {
    mode = "Active"
  }

  tags       = local.tags
  depends_on = [aws_cloudwatch_log_group.event_processor, aws_iam_role_policy.event_processor]
}

resource "aws_lambda_function" "ai_reviewer" {
  #checkov:skip=CKV_AWS_117:reaches public endpoints only, no private resource (see the file's head)
  #checkov:skip=CKV_AWS_272:artefacts are built from source by the operator, no signing profile
  #checkov:skip=CKV_AWS_116:invoked by the stream trigger, whose on-failure destination keeps what fails
  count = var.ai_enabled ? 1 : 0

  function_name                  = "${var.name_prefix}-ai-reviewer"
  description                    = "reviewgate AI reviewer: the AI version of each new review (Bedrock)"
  role                           = aws_iam_role.ai_reviewer[0].arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = "${var.artifacts_dir}/reviewgate-ai-reviewer/bootstrap.zip"
  source_code_hash               = filebase64sha256("${var.artifacts_dir}/reviewgate-ai-reviewer/bootstrap.zip")
  memory_size                    = 512
  # Model calls time out after 60 s each (REVIEWGATE_AI_TIMEOUT_SECS) and are retried.
  timeout                        = 300
  reserved_concurrent_executions = var.reserved_concurrency.ai_reviewer
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = {
      REVIEWGATE_STORE            = "dynamodb"
      REVIEWGATE_TABLE            = aws_dynamodb_table.reviews.name
      REVIEWGATE_LLM              = "bedrock"
      REVIEWGATE_BEDROCK_MODEL_ID = var.bedrock_model_id
    }
  }

  tracing_config {
    mode = "Active"
  }

  tags       = local.tags
  depends_on = [aws_cloudwatch_log_group.ai_reviewer, aws_iam_role_policy.ai_reviewer]
}

resource "aws_lambda_function" "aggregator" {
  #checkov:skip=CKV_AWS_117:reaches public endpoints only, no private resource (see the file's head)
  #checkov:skip=CKV_AWS_272:artefacts are built from source by the operator, no signing profile
  function_name                  = "${var.name_prefix}-aggregator"
  description                    = "reviewgate daily analytics aggregation"
  role                           = aws_iam_role.aggregator.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = "${var.artifacts_dir}/reviewgate-aggregator/bootstrap.zip"
  source_code_hash               = filebase64sha256("${var.artifacts_dir}/reviewgate-aggregator/bootstrap.zip")
  memory_size                    = 512
  timeout                        = 900
  reserved_concurrent_executions = var.reserved_concurrency.aggregator
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = {
      REVIEWGATE_STORE = "dynamodb"
      REVIEWGATE_TABLE = aws_dynamodb_table.reviews.name
    }
  }

  # Scheduled invocations are asynchronous: one that fails every retry lands here.
  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  tracing_config {
    mode = "Active"
  }

  tags       = local.tags
  depends_on = [aws_cloudwatch_log_group.aggregator, aws_iam_role_policy.aggregator]
}

# Created before the functions, so Lambda writes into groups with retention and the
# key rather than creating its own (and the roles need no logs:CreateLogGroup).
resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/lambda/${var.name_prefix}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "intake" {
  name              = "/aws/lambda/${var.name_prefix}-intake"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "event_processor" {
  name              = "/aws/lambda/${var.name_prefix}-event-processor"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "ai_reviewer" {
  count = var.ai_enabled ? 1 : 0

  name              = "/aws/lambda/${var.name_prefix}-ai-reviewer"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "aggregator" {
  name              = "/aws/lambda/${var.name_prefix}-aggregator"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}
