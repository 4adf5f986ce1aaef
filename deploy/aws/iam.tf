# One role per function, granting the AWS operations its code performs and nothing
# else, on exact ARNs. Read from the code:
#
#   api              ReviewStore reads and writes of the REST API: GetItem (API keys,
#                    versions), Query (the table; the five list indexes), PutItem
#                    (TransactWriteItems of new versions is authorized as PutItem),
#                    BatchGetItem (historical analytics)
#   intake           GetItem (event_recorded), PutItem (accept_event)
#   event-processor  Query (the table; by_pending), GetItem, PutItem (versions),
#                    UpdateItem (defer_event, finish_event); the stream; its
#                    dead-letter and stream-failure queues; the code hosts' secrets
#   ai-reviewer      Query, GetItem, PutItem (the AI version); the stream; the
#                    stream-failure queue; bedrock:InvokeModel (Converse) on the model
#   aggregator       Query (the table; by_day), BatchGetItem, BatchWriteItem and
#                    PutItem (daily aggregates and day markers); its dead-letter queue
#
# Every function writes its own log group and X-Ray segments.
# tests/integration/deploy_aws/ holds the DynamoDB grants (table and indexes) to
# the store methods each function's code calls.
#
# The `_SECRET_ARN` grants (secretsmanager:GetSecretValue on the function's own
# secrets, and kms:Decrypt through Secrets Manager) are what
# backend-lambda/src/secrets_manager.rs calls at start and after each TTL.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

locals {
  table_arn = aws_dynamodb_table.reviews.arn
  index_arn = { for name in ["by_time", "by_repository", "by_stack", "by_status", "by_risk", "by_pending", "by_day"] : name => "${aws_dynamodb_table.reviews.arn}/index/${name}" }
}

# --- api ---------------------------------------------------------------------

resource "aws_iam_role" "api" {
  name               = "${var.name_prefix}-api"
  description        = "reviewgate api function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "api" {
  statement {
    sid       = "ReviewsAndKeys"
    actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:BatchGetItem"]
    resources = [local.table_arn]
  }
  statement {
    sid     = "ListIndexes"
    actions = ["dynamodb:Query"]
    resources = [
      local.index_arn["by_time"],
      local.index_arn["by_repository"],
      local.index_arn["by_stack"],
      local.index_arn["by_status"],
      local.index_arn["by_risk"],
    ]
  }
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.api.arn}:log-stream:*"]
  }
  # X-Ray has no resource-level permissions: AWS requires "*".
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "reviewgate-api"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

# --- intake ------------------------------------------------------------------

resource "aws_iam_role" "intake" {
  name               = "${var.name_prefix}-intake"
  description        = "reviewgate intake function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "intake" {
  statement {
    sid       = "Events"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [local.table_arn]
  }
  statement {
    sid       = "OwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for name in local.intake_secrets : aws_secretsmanager_secret.reviewgate[name].arn]
  }
  statement {
    sid       = "DecryptOwnSecrets"
    actions   = ["kms:Decrypt"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.intake.arn}:log-stream:*"]
  }
  # X-Ray has no resource-level permissions: AWS requires "*".
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "intake" {
  name   = "reviewgate-intake"
  role   = aws_iam_role.intake.id
  policy = data.aws_iam_policy_document.intake.json
}

# --- event-processor ---------------------------------------------------------

resource "aws_iam_role" "event_processor" {
  name               = "${var.name_prefix}-event-processor"
  description        = "reviewgate event-processor function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "event_processor" {
  statement {
    sid       = "EventsAndReviews"
    actions   = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [local.table_arn]
  }
  statement {
    sid       = "PendingEvents"
    actions   = ["dynamodb:Query"]
    resources = [local.index_arn["by_pending"]]
  }
  statement {
    sid       = "Stream"
    # What the stream trigger needs, as Lambda's check of the role names it
    # ("GetRecords, GetShardIterator, DescribeStream, and ListStreams … on your stream").
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
    resources = [aws_dynamodb_table.reviews.stream_arn]
  }
  statement {
    sid       = "Failures"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn, aws_sqs_queue.stream_failures.arn]
  }
  statement {
    sid       = "OwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for name in local.event_processor_secrets : aws_secretsmanager_secret.reviewgate[name].arn]
  }
  statement {
    sid       = "DecryptOwnSecrets"
    actions   = ["kms:Decrypt"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "EncryptedQueues"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${local.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.event_processor.arn}:log-stream:*"]
  }
  # X-Ray has no resource-level permissions: AWS requires "*".
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "event_processor" {
  name   = "reviewgate-event-processor"
  role   = aws_iam_role.event_processor.id
  policy = data.aws_iam_policy_document.event_processor.json
}

# --- ai-reviewer -------------------------------------------------------------

resource "aws_iam_role" "ai_reviewer" {
  count = var.ai_enabled ? 1 : 0

  name               = "${var.name_prefix}-ai-reviewer"
  description        = "reviewgate ai-reviewer function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "ai_reviewer" {
  count = var.ai_enabled ? 1 : 0

  statement {
    sid       = "Reviews"
    actions   = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [local.table_arn]
  }
  statement {
    sid       = "Model"
    actions   = ["bedrock:InvokeModel"]
    resources = local.bedrock_model_arns
  }
  statement {
    sid       = "Stream"
    # What the stream trigger needs, as Lambda's check of the role names it
    # ("GetRecords, GetShardIterator, DescribeStream, and ListStreams … on your stream").
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
    resources = [aws_dynamodb_table.reviews.stream_arn]
  }
  statement {
    sid       = "Failures"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.stream_failures.arn]
  }
  statement {
    sid       = "EncryptedQueues"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${local.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.ai_reviewer[0].arn}:log-stream:*"]
  }
  # X-Ray has no resource-level permissions: AWS requires "*".
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "ai_reviewer" {
  count = var.ai_enabled ? 1 : 0

  name   = "reviewgate-ai-reviewer"
  role   = aws_iam_role.ai_reviewer[0].id
  policy = data.aws_iam_policy_document.ai_reviewer[0].json
}

# --- aggregator --------------------------------------------------------------

resource "aws_iam_role" "aggregator" {
  name               = "${var.name_prefix}-aggregator"
  description        = "reviewgate aggregator function"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "aggregator" {
  statement {
    sid       = "VersionsAndAggregates"
    actions   = ["dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem"]
    resources = [local.table_arn]
  }
  statement {
    sid       = "VersionsByDay"
    actions   = ["dynamodb:Query"]
    resources = [local.index_arn["by_day"]]
  }
  statement {
    sid       = "Failures"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
  statement {
    sid       = "EncryptedQueues"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [local.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sqs.${local.region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.aggregator.arn}:log-stream:*"]
  }
  # X-Ray has no resource-level permissions: AWS requires "*".
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "aggregator" {
  name   = "reviewgate-aggregator"
  role   = aws_iam_role.aggregator.id
  policy = data.aws_iam_policy_document.aggregator.json
}

# --- EventBridge Scheduler ---------------------------------------------------

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name_prefix}-scheduler"
  description        = "reviewgate schedules: invoke the aggregator and the event processor"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeScheduledFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.aggregator.arn, aws_lambda_function.event_processor.arn]
  }
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
  # The schedules are encrypted with the key, and so is their dead-letter queue.
  statement {
    sid       = "Key"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "reviewgate-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
