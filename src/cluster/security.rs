//! ACLs and SCRAM credentials on a connection: reading those the plan depends on, and
//! the batched writes apply performs. Broker errors keep the broker's words; an
//! authorization failure also says which operation on which resource was refused.

use rdkafka::admin::ResourceSpecifier;

use super::{ffi, request, ClusterError, Connection, ReadRequest};
use crate::model::{AclBinding, LiveAcls, LiveState, ScramMechanism};

/// What a broker says about its authorizer.
#[derive(Debug, PartialEq, Eq)]
enum Authorizer {
    Present,
    Absent,
    Unknown(String),
}

/// Results of a batched write, one per item in request order; `Err` holds the broker's
/// message.
pub(crate) type Results = Vec<Result<(), String>>;

/// The broker's error, plus what was refused when it is an authorization failure, since
/// Kafka's own text for those ("Authorization failed.") names neither.
fn explain(e: &ffi::BrokerError, needs: impl FnOnce() -> String) -> String {
    if e.code.ends_with("AuthorizationFailed") {
        format!("{e}: the client's principal lacks {}", needs())
    } else {
        e.to_string()
    }
}

fn request_explained(op: &'static str, e: ffi::FfiError, needs: &str) -> ClusterError {
    match e {
        ffi::FfiError::Request { code, message, .. } if code.ends_with("AuthorizationFailed") => {
            ClusterError::Request {
                op,
                reason: format!("{message} ({code}): the client's principal lacks {needs}"),
            }
        }
        other => request(op, other),
    }
}

impl Connection {
    /// Whether the broker runs an authorizer, from its `authorizer.class.name`.
    ///
    /// Asked first because librdkafka drops the error code of a DescribeAcls response: a
    /// broker without authorizer (SecurityDisabled) and a principal that may not describe
    /// ACLs both come back as an empty list, which a plan must never take for "no ACLs".
    async fn authorizer(&self, broker: i32) -> Result<Authorizer, ClusterError> {
        let results = self
            .admin
            .describe_configs(&[ResourceSpecifier::Broker(broker)], &self.opts(false))
            .await
            .map_err(|e| ClusterError::Request {
                op: "DescribeConfigs",
                reason: e.to_string(),
            })?;
        const NEEDS: &str = "the client's principal lacks DESCRIBE_CONFIGS on the cluster \
                             (needed to tell whether the cluster enforces ACLs)";
        Ok(match results.into_iter().next() {
            // Kafka answers a principal that may not see broker configs with none at all;
            // some Kafka-compatible brokers report none to anyone.
            Some(Ok(resource)) if resource.entries.is_empty() => Authorizer::Unknown(format!(
                "broker {broker} shows this client none of its configs, so whether the \
                 cluster enforces ACLs is unknown (a principal without DESCRIBE_CONFIGS on \
                 the cluster sees none)"
            )),
            Some(Ok(resource)) => match resource.get("authorizer.class.name") {
                Some(e) if e.value.as_deref().is_some_and(|v| !v.trim().is_empty()) => {
                    Authorizer::Present
                }
                Some(_) => Authorizer::Absent,
                None => Authorizer::Unknown(format!(
                    "broker {broker} does not report authorizer.class.name, so whether the \
                     cluster enforces ACLs is unknown"
                )),
            },
            Some(Err(code)) => {
                let name = format!("{code:?}");
                let mut reason = format!("broker {broker}: {code} ({name})");
                if name.ends_with("AuthorizationFailed") {
                    reason.push_str(&format!(": {NEEDS}"));
                }
                return Err(ClusterError::Request {
                    op: "DescribeConfigs",
                    reason,
                });
            }
            None => Authorizer::Unknown(format!("broker {broker} returned no configs")),
        })
    }

    /// Reads the ACLs of the requested principals and the SCRAM credentials of the
    /// requested users into `live`. `broker` is any broker of the cluster.
    pub(super) async fn read_security(
        &self,
        req: &ReadRequest,
        broker: Option<i32>,
        live: &mut LiveState,
    ) -> Result<(), ClusterError> {
        let timeout = self.settings.timeout;
        let wanted = req.all_acls || !req.acl_principals.is_empty();
        if wanted {
            let authorizer = match broker {
                Some(b) => self.authorizer(b).await?,
                None => Authorizer::Unknown("the cluster listed no broker".into()),
            };
            live.acls = match authorizer {
                Authorizer::Absent => LiveAcls::NoAuthorizer,
                Authorizer::Unknown(why) => LiveAcls::Unknown(why),
                Authorizer::Present => {
                    match tokio::task::block_in_place(|| ffi::describe_acls(&self.admin, timeout)) {
                        Ok(all) => LiveAcls::Read(
                            all.into_iter()
                                .filter(|a| {
                                    req.all_acls || req.acl_principals.contains(&a.principal)
                                })
                                .collect(),
                        ),
                        Err(ffi::FfiError::Request { code, .. }) if code == "SecurityDisabled" => {
                            LiveAcls::NoAuthorizer
                        }
                        Err(e) => {
                            return Err(request_explained(
                                "DescribeAcls",
                                e,
                                "DESCRIBE on the cluster resource (needed to read ACLs)",
                            ))
                        }
                    }
                }
            };
        }
        if !req.users.is_empty() {
            let users: Vec<String> = req.users.iter().cloned().collect();
            let described = tokio::task::block_in_place(|| {
                ffi::describe_user_scram_credentials(&self.admin, &users, timeout)
            })
            .map_err(|e| {
                request_explained(
                    "DescribeUserScramCredentials",
                    e,
                    "DESCRIBE on the cluster resource (needed to read SCRAM users)",
                )
            })?;
            for (user, result) in described {
                match result {
                    Ok(creds) => {
                        live.scram.insert(user, creds.into_iter().collect());
                    }
                    Err(e) => {
                        return Err(ClusterError::Request {
                            op: "DescribeUserScramCredentials",
                            reason: format!(
                                "{user}: {}",
                                explain(&e, || "DESCRIBE on the cluster resource".into())
                            ),
                        })
                    }
                }
            }
        }
        Ok(())
    }

    /// Every ACL on the cluster, for an import: `NoAuthorizer` where there is no
    /// authorizer. The broker asked is the one answering a one-topic metadata request, so
    /// no cluster-sized request is sent for it.
    pub async fn read_all_acls(&self) -> Result<LiveAcls, ClusterError> {
        let md = self
            .admin
            .inner()
            .fetch_metadata(Some("__consumer_offsets"), self.settings.timeout)
            .map_err(|e| ClusterError::Request {
                op: "Metadata",
                reason: e.to_string(),
            })?;
        let broker = md.brokers().first().map(|b| b.id());
        drop(md);
        let req = ReadRequest {
            all_acls: true,
            ..ReadRequest::default()
        };
        let mut live = LiveState::default();
        self.read_security(&req, broker, &mut live).await?;
        Ok(live.acls)
    }

    /// CreateAcls of all `acls` in one request.
    pub fn create_acls(&self, acls: &[AclBinding]) -> Result<Results, ClusterError> {
        let timeout = self.settings.timeout;
        let results = tokio::task::block_in_place(|| ffi::create_acls(&self.admin, acls, timeout))
            .map_err(|e| request_explained("CreateAcls", e, "ALTER on the cluster resource"))?;
        Ok(results
            .into_iter()
            .map(|r| r.map_err(|e| explain(&e, || "ALTER on the cluster resource".into())))
            .collect())
    }

    /// DeleteAcls with one exact filter per binding, in one request.
    pub fn delete_acls(&self, acls: &[AclBinding]) -> Result<Results, ClusterError> {
        let timeout = self.settings.timeout;
        let results = tokio::task::block_in_place(|| ffi::delete_acls(&self.admin, acls, timeout))
            .map_err(|e| request_explained("DeleteAcls", e, "ALTER on the cluster resource"))?;
        Ok(results
            .into_iter()
            .map(|r| {
                r.map(|_| ())
                    .map_err(|e| explain(&e, || "ALTER on the cluster resource".into()))
            })
            .collect())
    }

    /// Upserts SCRAM credentials of one user, one AlterUserScramCredentials request per
    /// mechanism: Kafka refuses to alter one user twice in the same request.
    pub fn set_scram_credentials(
        &self,
        user: &str,
        credentials: &[(ScramMechanism, u32)],
        password: &[u8],
    ) -> Result<Results, ClusterError> {
        let timeout = self.settings.timeout;
        let mut out = Vec::with_capacity(credentials.len());
        for credential in credentials {
            let results = tokio::task::block_in_place(|| {
                ffi::upsert_user_scram_credentials(
                    &self.admin,
                    user,
                    std::slice::from_ref(credential),
                    password,
                    timeout,
                )
            })
            .map_err(|e| {
                request_explained(
                    "AlterUserScramCredentials",
                    e,
                    "ALTER on the cluster resource",
                )
            })?;
            out.extend(
                results
                    .into_iter()
                    .map(|r| r.map_err(|e| explain(&e, || "ALTER on the cluster resource".into()))),
            );
        }
        Ok(out)
    }
}
