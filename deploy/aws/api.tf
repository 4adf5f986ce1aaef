# The HTTP API: exactly the routes the backend's router serves
# (backend-lambda/src/api/mod.rs, `app`), the API's to the api function and
# intake's to the intake function (tests/integration/deploy_aws/ checks both).
# Authentication is the functions' own: API keys on /api/*, signatures on intake,
# /healthz open by contract; so no route has an API Gateway authorizer (CKV_AWS_309
# below).
resource "aws_apigatewayv2_api" "reviewgate" {
  name          = var.name_prefix
  description   = "reviewgate backend: REST API and event intake"
  protocol_type = "HTTP"
  tags          = local.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.reviewgate.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.api_throttling.rate_limit
    throttling_burst_limit = var.api_throttling.burst_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    # No headers, query strings or bodies: logs never carry secrets.
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${var.name_prefix}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
  tags              = local.tags
}

resource "aws_apigatewayv2_integration" "api" {
  api_id                 = aws_apigatewayv2_api.reviewgate.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.api.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_integration" "intake" {
  api_id                 = aws_apigatewayv2_api.reviewgate.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.intake.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "list_reviews" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "GET /api/reviews"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "create_review" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "POST /api/reviews"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "create_pr_review" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "POST /api/reviews/pr"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "get_review" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "GET /api/reviews/{id}"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "update_review" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "PUT /api/reviews/{id}"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "list_versions" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "GET /api/reviews/{id}/versions"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "analytics" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "GET /api/analytics"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "historical" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "GET /api/analytics/historical"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "openapi" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (API keys), see the file's head
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "GET /api/openapi.json"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "healthz" {
  #checkov:skip=CKV_AWS_309:the health check is open by contract (docs/deployment.md)
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "GET /healthz"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_route" "internal_events" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (the edge's request signature)
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "POST /internal/events"
  target    = "integrations/${aws_apigatewayv2_integration.intake.id}"
}

# Every method: the router answers POST with the intake pipeline and any other
# method with the webhook contract's 405.
resource "aws_apigatewayv2_route" "webhooks" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (each provider's webhook signature)
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "ANY /webhooks/{source}"
  target    = "integrations/${aws_apigatewayv2_integration.intake.id}"
}

# The route's earlier name, kept for webhooks configured with it.
resource "aws_apigatewayv2_route" "webhook" {
  #checkov:skip=CKV_AWS_309:authenticated by the function (each provider's webhook signature)
  api_id    = aws_apigatewayv2_api.reviewgate.id
  route_key = "ANY /webhook/{source}"
  target    = "integrations/${aws_apigatewayv2_integration.intake.id}"
}

resource "aws_lambda_permission" "api_from_http_api" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.reviewgate.execution_arn}/*"
}

resource "aws_lambda_permission" "intake_from_http_api" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.intake.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.reviewgate.execution_arn}/*"
}
