//! `qinglian users …`: the console's accounts from the command line — add, list, disable,
//! enable, reset a password, make an API token. Generated passwords and TOTP secrets are
//! printed once and kept nowhere in clear.

use chrono::Utc;
use clap::{Args, Subcommand};
use qinglian_app::users::{self, AddUser, Credentials};
use qinglian_store::{Role, UserRecord};

use crate::Cli;
use crate::commands::open;
use crate::output::{json, table};

#[derive(Args, Debug)]
pub struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Subcommand, Debug)]
enum UsersCommand {
    /// Create an account; prints its generated password (and TOTP URI) once / 新建用户
    Add {
        username: String,
        /// admin, inspector, liaison, committee or auditor
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The department a liaison answers for (required for liaisons)
        #[arg(long)]
        department: Option<String>,
        /// Name shown in the console (default: the username)
        #[arg(long)]
        name: Option<String>,
        /// Ask for a TOTP code at sign-in even if the role does not by default
        #[arg(long, conflicts_with = "no_totp")]
        totp: bool,
        /// No TOTP code at sign-in (administrators and inspectors need one by default)
        #[arg(long)]
        no_totp: bool,
    },
    /// Every account, its role, department and state / 用户列表
    List,
    /// Stop an account from signing in and end its sessions / 停用
    Disable { username: String },
    /// Let a disabled account sign in again / 启用
    Enable { username: String },
    /// A new generated password (and with --totp a new TOTP secret); ends all sessions / 重置密码
    ResetPassword {
        username: String,
        /// Also replace the TOTP secret (a lost phone)
        #[arg(long)]
        totp: bool,
    },
    /// A bearer token for the JSON API, acting as the user; printed once / API 令牌
    Token {
        username: String,
        /// What it is for, e.g. oa-sync
        #[arg(long)]
        name: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
}

fn print_credentials(c: &Credentials) {
    println!("用户 user: {}", c.username);
    println!("初始密码 password: {}", c.password);
    if let (Some(uri), Some(secret)) = (&c.totp_uri, &c.totp_secret) {
        println!("动态口令 TOTP secret: {secret}");
        println!("  {uri}");
        println!("  请用身份验证器扫描或输入以上密钥 / add it to an authenticator app");
    }
    println!("密码只显示这一次 / the password is shown only this once");
}

fn user_row(u: &UserRecord) -> Vec<String> {
    vec![
        u.username.clone(),
        u.display_name.clone(),
        format!("{} {}", u.role.as_str(), u.role.name_zh()),
        u.department.clone().unwrap_or_default(),
        if u.disabled {
            "停用 disabled"
        } else {
            "启用 enabled"
        }
        .to_owned(),
        if u.totp_secret.is_some() { "TOTP" } else { "" }.to_owned(),
        u.last_login_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
    ]
}

pub async fn run(cli: &Cli, a: &UsersArgs) -> anyhow::Result<()> {
    let ws = open(cli).await?;
    let now = Utc::now();
    match &a.command {
        UsersCommand::Add {
            username,
            role,
            department,
            name,
            totp,
            no_totp,
        } => {
            let add = AddUser {
                username: username.clone(),
                display_name: name.clone(),
                role: *role,
                department: department.clone(),
                totp: if *totp {
                    Some(true)
                } else if *no_totp {
                    Some(false)
                } else {
                    None
                },
            };
            let (user, creds) = users::add_user(&ws, &add, now).await?;
            if cli.json {
                json(&serde_json::json!({"user": user, "credentials": creds}))?;
            } else {
                println!(
                    "已新建用户 Created user: {} ({})",
                    user.username,
                    user.role.name_zh()
                );
                print_credentials(&creds);
            }
        }
        UsersCommand::List => {
            let list = users::list_users(&ws).await?;
            if cli.json {
                json(&list)?;
            } else {
                let rows: Vec<Vec<String>> = list.iter().map(user_row).collect();
                table(
                    &[
                        "用户名 user",
                        "姓名 name",
                        "角色 role",
                        "部门 department",
                        "状态 state",
                        "2FA",
                        "最近登录 last sign-in (UTC)",
                    ],
                    &rows,
                );
            }
        }
        UsersCommand::Disable { username } | UsersCommand::Enable { username } => {
            let disable = matches!(a.command, UsersCommand::Disable { .. });
            let user = users::set_disabled(&ws, username, disable, now).await?;
            if cli.json {
                json(&user)?;
            } else if disable {
                println!(
                    "已停用 Disabled: {} (所有会话已结束 all sessions ended)",
                    user.username
                );
            } else {
                println!("已启用 Enabled: {}", user.username);
            }
        }
        UsersCommand::ResetPassword { username, totp } => {
            let creds = users::reset_password(&ws, username, *totp, now).await?;
            if cli.json {
                json(&creds)?;
            } else {
                println!("已重置密码 Password reset (所有会话已结束 all sessions ended)");
                print_credentials(&creds);
            }
        }
        UsersCommand::Token { username, name } => {
            let (token, record) = users::create_api_token(&ws, username, name, now).await?;
            if cli.json {
                json(&serde_json::json!({"token": token, "record": record}))?;
            } else {
                println!("API 令牌 token ({}, {}): {token}", record.name, username);
                println!("请求头 header: Authorization: Bearer {token}");
                println!("令牌只显示这一次 / the token is shown only this once");
            }
        }
    }
    ws.store.close().await;
    Ok(())
}
