//! Errors of the console as HTTP answers: a stable code, a status, the message in Chinese and
//! English. Faults (bugs, a failing disk) are logged and shown as a generic message: internals
//! never reach the browser or an API client.

use axum::http::StatusCode;
use qinglian_app::AppError;
use qinglian_app::users::UsersError;
use qinglian_core::Bilingual;
use qinglian_workflow::WorkflowError;

/// A refused or failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebErr {
    pub status: StatusCode,
    /// Stable, dotted; the API's `code` field.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl WebErr {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "request.bad", zh, en)
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "您要找的内容不存在，或您无权查看。",
            "What you are looking for does not exist, or you may not see it.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "您的角色不能执行此操作。",
            "Your role may not do this.",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "auth.required",
            "请先登录（或提供有效的 API 令牌）。",
            "Sign in first (or give a valid API token).",
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "页面已过期或来源不明，请刷新页面后重试。",
            "The page expired or did not come from this site; reload it and try again.",
        )
    }

    /// A fault: logged with its detail, shown without it.
    pub fn internal(detail: &str) -> Self {
        tracing::error!(detail, "console request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "系统出现故障，已记录；请稍后再试或联系管理员。",
            "Something failed on our side and was logged; try again later or ask an administrator.",
        )
    }

    pub fn message(&self, lang: super::Lang) -> &str {
        match lang {
            super::Lang::Zh => &self.zh,
            super::Lang::En => &self.en,
        }
    }
}

impl From<WorkflowError> for WebErr {
    fn from(e: WorkflowError) -> Self {
        let status = match &e {
            WorkflowError::NotFound { .. } => return WebErr::not_found(),
            WorkflowError::Conflict { .. }
            | WorkflowError::IllegalTransition { .. }
            | WorkflowError::LevelLimit { .. } => StatusCode::CONFLICT,
            WorkflowError::ReasonRequired { .. } | WorkflowError::BadInput(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            WorkflowError::Config(_) | WorkflowError::Store(_) | WorkflowError::Event { .. } => {
                return WebErr::internal(&e.to_string());
            }
        };
        WebErr::new(status, e.code(), e.message_zh(), e.message_en())
    }
}

impl From<AppError> for WebErr {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Workflow(w) => w.into(),
            other if other.is_user_error() => {
                let m = other.to_string();
                WebErr::new(StatusCode::BAD_REQUEST, "request.refused", m.clone(), m)
            }
            other => WebErr::internal(&other.to_string()),
        }
    }
}

impl From<UsersError> for WebErr {
    fn from(e: UsersError) -> Self {
        let status = match &e {
            UsersError::UnknownUser(_) => StatusCode::NOT_FOUND,
            UsersError::UsernameTaken(_) => StatusCode::CONFLICT,
            UsersError::BadInput(_) => StatusCode::BAD_REQUEST,
            UsersError::SignInRefused => StatusCode::UNAUTHORIZED,
            UsersError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            UsersError::Store(_) | UsersError::Internal(_) => {
                return WebErr::internal(&e.to_string());
            }
        };
        WebErr::new(status, e.code(), e.message_zh(), e.message_en())
    }
}

impl From<qinglian_store::StoreError> for WebErr {
    fn from(e: qinglian_store::StoreError) -> Self {
        WebErr::internal(&e.to_string())
    }
}
