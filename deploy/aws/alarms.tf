# Alarms to one SNS topic: a function failing more than 5 % of its invocations or
# being throttled, anything in a dead-letter queue, and a burst of SECURITY events
# (refused signatures, unauthorized requests, rate limiting).

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = local.kms_key_arn
  tags              = local.tags
}

resource "aws_sns_topic_subscription" "alarms" {
  for_each = { for s in var.alarm_subscriptions : "${s.protocol}:${s.endpoint}" => s }

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

locals {
  function_names = merge(
    {
      api             = aws_lambda_function.api.function_name
      intake          = aws_lambda_function.intake.function_name
      event_processor = aws_lambda_function.event_processor.function_name
      aggregator      = aws_lambda_function.aggregator.function_name
    },
    # Zero or one entry (count); a conditional between {ai_reviewer = …} and {}
    # would not type-check.
    { for f in aws_lambda_function.ai_reviewer : "ai_reviewer" => f.function_name },
  )
}

resource "aws_cloudwatch_metric_alarm" "function_error_rate" {
  for_each = local.function_names

  alarm_name          = "${each.value}-error-rate"
  alarm_description   = "${each.value}: more than 5 % of invocations failed over 5 minutes"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = local.tags

  metric_query {
    id          = "rate"
    expression  = "IF(invocations > 0, 100 * errors / invocations, 0)"
    label       = "error rate (%)"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = each.value }
      period      = 300
      stat        = "Sum"
    }
  }
  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = each.value }
      period      = 300
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each = local.function_names

  alarm_name          = "${each.value}-throttles"
  alarm_description   = "${each.value} was throttled (reserved concurrency or the account's limit)"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "queue_not_empty" {
  for_each = {
    dead_letters    = aws_sqs_queue.dead_letters.name
    stream_failures = aws_sqs_queue.stream_failures.name
  }

  alarm_name          = "${each.value}-not-empty"
  alarm_description   = "${each.value} holds messages: something failed every retry"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = local.tags
}

# SECURITY lines (backend-lambda/src/logging.rs) come from the functions that
# answer requests.
resource "aws_cloudwatch_log_metric_filter" "security_events" {
  for_each = {
    api    = aws_cloudwatch_log_group.api.name
    intake = aws_cloudwatch_log_group.intake.name
  }

  name           = "${var.name_prefix}-${each.key}-security-events"
  log_group_name = each.value
  pattern        = "{ $.log_type = \"SECURITY\" }"

  metric_transformation {
    name          = "SecurityEvents"
    namespace     = "reviewgate/${var.name_prefix}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "security_events" {
  alarm_name          = "${var.name_prefix}-security-events"
  alarm_description   = "More than 20 SECURITY events in 5 minutes: refused signatures, unauthorized requests or rate limiting"
  namespace           = "reviewgate/${var.name_prefix}"
  metric_name         = "SecurityEvents"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 20
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  tags                = local.tags

  depends_on = [aws_cloudwatch_log_metric_filter.security_events]
}
