//! ACL and SCRAM admin calls over the librdkafka C API: DescribeAcls, CreateAcls,
//! DeleteAcls, DescribeUserScramCredentials and AlterUserScramCredentials. A child of
//! `ffi`, under the same invariants (guards own every object created here, result
//! pointers are read only while their event lives, enum values coming back from the
//! broker are read as integers). Each call goes through `ffi`'s `AdminCall` and supplies
//! only its request objects and the conversion of each result item.

use std::ffi::c_int;

use super::*;
use crate::model::{
    AclBinding, AclOperation, AclPattern, AclPermission, AclResourceType, ScramMechanism,
};

owned_ptr!(
    /// `rd_kafka_AclBinding_t` (also a filter) built for a request.
    Acl,
    rd::rd_kafka_AclBinding_t,
    rd::rd_kafka_AclBinding_destroy
);
owned_ptr!(
    /// `rd_kafka_UserScramCredentialAlteration_t` built for a request.
    ScramAlteration,
    rd::rd_kafka_UserScramCredentialAlteration_t,
    rd::rd_kafka_UserScramCredentialAlteration_destroy
);

/// Accessors whose enum results may hold values newer than the bindings.
mod ints {
    use std::ffi::c_int;

    use rdkafka::bindings::{rd_kafka_AclBinding_t, rd_kafka_ScramCredentialInfo_t};

    extern "C" {
        pub(super) fn rd_kafka_AclBinding_restype(acl: *const rd_kafka_AclBinding_t) -> c_int;
        pub(super) fn rd_kafka_AclBinding_operation(acl: *const rd_kafka_AclBinding_t) -> c_int;
        pub(super) fn rd_kafka_AclBinding_permission_type(
            acl: *const rd_kafka_AclBinding_t,
        ) -> c_int;
        pub(super) fn rd_kafka_AclBinding_resource_pattern_type(
            acl: *const rd_kafka_AclBinding_t,
        ) -> c_int;
        pub(super) fn rd_kafka_ScramCredentialInfo_mechanism(
            info: *const rd_kafka_ScramCredentialInfo_t,
        ) -> c_int;
    }
}

fn restype(t: AclResourceType) -> rd::rd_kafka_ResourceType_t {
    use rd::rd_kafka_ResourceType_t::*;
    match t {
        AclResourceType::Topic => RD_KAFKA_RESOURCE_TOPIC,
        AclResourceType::Group => RD_KAFKA_RESOURCE_GROUP,
        // Kafka's CLUSTER resource type; librdkafka names its value BROKER.
        AclResourceType::Cluster => RD_KAFKA_RESOURCE_BROKER,
        AclResourceType::TransactionalId => RD_KAFKA_RESOURCE_TRANSACTIONAL_ID,
    }
}

fn restype_from(code: c_int) -> Option<AclResourceType> {
    Some(match code {
        2 => AclResourceType::Topic,
        3 => AclResourceType::Group,
        4 => AclResourceType::Cluster,
        5 => AclResourceType::TransactionalId,
        _ => return None,
    })
}

fn pattern(p: AclPattern) -> rd::rd_kafka_ResourcePatternType_t {
    match p {
        AclPattern::Literal => {
            rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_LITERAL
        }
        AclPattern::Prefixed => {
            rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_PREFIXED
        }
    }
}

fn pattern_from(code: c_int) -> Option<AclPattern> {
    match code {
        3 => Some(AclPattern::Literal),
        4 => Some(AclPattern::Prefixed),
        _ => None,
    }
}

const OPERATIONS: [(AclOperation, rd::rd_kafka_AclOperation_t); 11] = {
    use rd::rd_kafka_AclOperation_t::*;
    [
        (AclOperation::All, RD_KAFKA_ACL_OPERATION_ALL),
        (AclOperation::Read, RD_KAFKA_ACL_OPERATION_READ),
        (AclOperation::Write, RD_KAFKA_ACL_OPERATION_WRITE),
        (AclOperation::Create, RD_KAFKA_ACL_OPERATION_CREATE),
        (AclOperation::Delete, RD_KAFKA_ACL_OPERATION_DELETE),
        (AclOperation::Alter, RD_KAFKA_ACL_OPERATION_ALTER),
        (AclOperation::Describe, RD_KAFKA_ACL_OPERATION_DESCRIBE),
        (
            AclOperation::ClusterAction,
            RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION,
        ),
        (
            AclOperation::DescribeConfigs,
            RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
        ),
        (
            AclOperation::AlterConfigs,
            RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS,
        ),
        (
            AclOperation::IdempotentWrite,
            RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE,
        ),
    ]
};

fn operation(op: AclOperation) -> rd::rd_kafka_AclOperation_t {
    OPERATIONS.iter().find(|(o, _)| *o == op).map_or(
        rd::rd_kafka_AclOperation_t::RD_KAFKA_ACL_OPERATION_UNKNOWN,
        |(_, r)| *r,
    )
}

fn operation_from(code: c_int) -> Option<AclOperation> {
    OPERATIONS
        .iter()
        .find(|(_, r)| *r as c_int == code)
        .map(|(o, _)| *o)
}

fn permission(p: AclPermission) -> rd::rd_kafka_AclPermissionType_t {
    match p {
        AclPermission::Allow => {
            rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW
        }
        AclPermission::Deny => rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_DENY,
    }
}

fn permission_from(code: c_int) -> Option<AclPermission> {
    match code {
        2 => Some(AclPermission::Deny),
        3 => Some(AclPermission::Allow),
        _ => None,
    }
}

fn mechanism(m: ScramMechanism) -> rd::rd_kafka_ScramMechanism_t {
    match m {
        ScramMechanism::Sha256 => rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_256,
        ScramMechanism::Sha512 => rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_512,
    }
}

/// Builds an exact binding, or an exact filter (every field given, so it matches only
/// this binding) when `filter` is set.
fn acl_object(op: &'static str, acl: &AclBinding, filter: bool) -> Result<Acl, FfiError> {
    let name = c_string(op, "resource name", &acl.name)?;
    let principal = c_string(op, "principal", &acl.principal)?;
    let host = c_string(op, "host", &acl.host)?;
    let mut errstr = ErrBuf::new();
    let new = if filter {
        rd::rd_kafka_AclBindingFilter_new
    } else {
        rd::rd_kafka_AclBinding_new
    };
    // SAFETY: the strings are valid NUL-terminated strings that librdkafka copies;
    // `errstr` is a writable buffer of the given size.
    let raw = unsafe {
        new(
            restype(acl.resource_type),
            name.as_ptr(),
            pattern(acl.pattern),
            principal.as_ptr(),
            host.as_ptr(),
            operation(acl.operation),
            permission(acl.permission),
            errstr.as_mut_ptr(),
            errstr.len(),
        )
    };
    Acl::from_raw(raw).ok_or_else(|| invalid(op, errstr.message()))
}

/// Reads a binding from a result; `None` for kinds topo does not model (delegation
/// tokens, users, match patterns), which it therefore never touches.
///
/// # Safety
/// `acl` must be a live binding owned by a live event.
unsafe fn read_acl(acl: *const rd::rd_kafka_AclBinding_t) -> Option<AclBinding> {
    // SAFETY: guaranteed by the caller; strings are copied at once.
    unsafe {
        Some(AclBinding {
            resource_type: restype_from(ints::rd_kafka_AclBinding_restype(acl))?,
            name: owned_string(rd::rd_kafka_AclBinding_name(acl)),
            pattern: pattern_from(ints::rd_kafka_AclBinding_resource_pattern_type(acl))?,
            principal: owned_string(rd::rd_kafka_AclBinding_principal(acl)),
            host: owned_string(rd::rd_kafka_AclBinding_host(acl)),
            operation: operation_from(ints::rd_kafka_AclBinding_operation(acl))?,
            permission: permission_from(ints::rd_kafka_AclBinding_permission_type(acl))?,
        })
    }
}

/// Sends `acls` in one request, as bindings or, when `filter` is set, as exact filters,
/// and converts each answer item; one result per binding, in order. A binding the broker
/// did not answer for fails rather than passing unnoticed.
fn acl_batch<R, I, T>(
    call: &AdminCall<R, I>,
    admin: &AdminClient<DefaultClientContext>,
    timeout: Duration,
    enqueue: EnqueueArray<*mut rd::rd_kafka_AclBinding_t>,
    acls: &[AclBinding],
    filter: bool,
    convert: impl FnMut(*const I) -> Result<T, BrokerError>,
) -> Result<Vec<Result<T, BrokerError>>, FfiError> {
    if acls.is_empty() {
        return Ok(Vec::new());
    }
    let objects = acls
        .iter()
        .map(|a| acl_object(call.op, a, filter))
        .collect::<Result<Vec<_>, _>>()?;
    let request = Array::objects(enqueue, &objects);
    let mut out = call.call(admin, timeout, false, request, convert)?;
    out.resize_with(acls.len(), || {
        Err(BrokerError {
            code: "Unknown".into(),
            message: "the broker returned no result for this ACL".into(),
        })
    });
    Ok(out)
}

/// Every ACL on the cluster (one DescribeAcls with a match-anything filter), sorted.
/// A cluster without an authorizer fails with code `SecurityDisabled`.
pub(crate) fn describe_acls(
    admin: &AdminClient<DefaultClientContext>,
    timeout: Duration,
) -> Result<Vec<AclBinding>, FfiError> {
    const OP: &str = "DescribeAcls";
    let mut errstr = ErrBuf::new();
    // SAFETY: NULL name, principal and host mean "any" in a filter; `errstr` is writable.
    let raw = unsafe {
        rd::rd_kafka_AclBindingFilter_new(
            rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_ANY,
            ptr::null(),
            rd::rd_kafka_ResourcePatternType_t::RD_KAFKA_RESOURCE_PATTERN_ANY,
            ptr::null(),
            ptr::null(),
            rd::rd_kafka_AclOperation_t::RD_KAFKA_ACL_OPERATION_ANY,
            rd::rd_kafka_AclPermissionType_t::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
            errstr.as_mut_ptr(),
            errstr.len(),
        )
    };
    let filter = Acl::from_raw(raw).ok_or_else(|| invalid(OP, errstr.message()))?;
    // SAFETY: the API, the event type and both accessors all belong to DescribeAcls.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS,
            rd::RD_KAFKA_EVENT_DESCRIBEACLS_RESULT,
            rd::rd_kafka_event_DescribeAcls_result,
            rd::rd_kafka_DescribeAcls_result_acls,
        )
    };
    let request = One::new(rd::rd_kafka_DescribeAcls, &filter);
    let acls = call.call(admin, timeout, false, request, |acl| {
        // SAFETY: `acl` is a live binding of the result array, owned by the live event.
        unsafe { read_acl(acl) }
    })?;
    let mut out: Vec<AclBinding> = acls.into_iter().flatten().collect();
    out.sort();
    Ok(out)
}

/// Creates the bindings in one CreateAcls request; one result per binding, in order.
pub(crate) fn create_acls(
    admin: &AdminClient<DefaultClientContext>,
    acls: &[AclBinding],
    timeout: Duration,
) -> Result<Vec<Result<(), BrokerError>>, FfiError> {
    const OP: &str = "CreateAcls";
    // SAFETY: the API, the event type and both accessors all belong to CreateAcls.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEACLS,
            rd::RD_KAFKA_EVENT_CREATEACLS_RESULT,
            rd::rd_kafka_event_CreateAcls_result,
            rd::rd_kafka_CreateAcls_result_acls,
        )
    };
    acl_batch(
        &call,
        admin,
        timeout,
        rd::rd_kafka_CreateAcls,
        acls,
        false,
        |r| {
            // SAFETY: `r` is a live result of the result array, owned by the live event.
            let err = unsafe { rd::rd_kafka_acl_result_error(r) };
            if err.is_null() {
                Ok(())
            } else {
                // SAFETY: a live error owned by the result.
                Err(unsafe { borrowed_error(err) })
            }
        },
    )
}

/// Deletes each binding with an exact filter, in one DeleteAcls request; per binding, the
/// number of ACLs the broker deleted or its error, in order.
pub(crate) fn delete_acls(
    admin: &AdminClient<DefaultClientContext>,
    acls: &[AclBinding],
    timeout: Duration,
) -> Result<Vec<Result<usize, BrokerError>>, FfiError> {
    const OP: &str = "DeleteAcls";
    // SAFETY: the API, the event type and both accessors all belong to DeleteAcls.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETEACLS,
            rd::RD_KAFKA_EVENT_DELETEACLS_RESULT,
            rd::rd_kafka_event_DeleteAcls_result,
            rd::rd_kafka_DeleteAcls_result_responses,
        )
    };
    acl_batch(
        &call,
        admin,
        timeout,
        rd::rd_kafka_DeleteAcls,
        acls,
        true,
        |r| {
            // SAFETY: `r` is a live response of the result array, owned by the live event.
            let err = unsafe { rd::rd_kafka_DeleteAcls_result_response_error(r) };
            if !err.is_null() {
                // SAFETY: a live error owned by the response.
                return Err(unsafe { borrowed_error(err) });
            }
            let mut matched = 0usize;
            // SAFETY: `r` is live; `matched` is a valid out pointer.
            unsafe { rd::rd_kafka_DeleteAcls_result_response_matching_acls(r, &mut matched) };
            Ok(matched)
        },
    )
}

/// SCRAM credentials per user: mechanism and iterations, or the broker's error for that
/// user. A user without credentials has none (not an error).
pub(crate) type ScramDescription = (String, Result<Vec<(ScramMechanism, u32)>, BrokerError>);

pub(crate) fn describe_user_scram_credentials(
    admin: &AdminClient<DefaultClientContext>,
    users: &[String],
    timeout: Duration,
) -> Result<Vec<ScramDescription>, FfiError> {
    const OP: &str = "DescribeUserScramCredentials";
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let names = users
        .iter()
        .map(|u| c_string(OP, "user name", u))
        .collect::<Result<Vec<_>, _>>()?;
    // SAFETY: the API, the event type and both accessors all belong to
    // DescribeUserScramCredentials.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEUSERSCRAMCREDENTIALS,
            rd::RD_KAFKA_EVENT_DESCRIBEUSERSCRAMCREDENTIALS_RESULT,
            rd::rd_kafka_event_DescribeUserScramCredentials_result,
            rd::rd_kafka_DescribeUserScramCredentials_result_descriptions,
        )
    };
    let request = Array::names(rd::rd_kafka_DescribeUserScramCredentials, &names);
    let mut out = call.call(admin, timeout, false, request, |d| {
        // SAFETY: `d` is a live description of the result array, owned by the live event;
        // everything read from it is copied before the event drops.
        unsafe {
            let user = owned_string(rd::rd_kafka_UserScramCredentialsDescription_user(d));
            let err = rd::rd_kafka_UserScramCredentialsDescription_error(d);
            let error = (!err.is_null())
                .then(|| borrowed_error(err))
                .filter(|e| e.code != "NoError");
            match error {
                // Kafka's answer for a user that has no credentials at all.
                Some(e) if e.code == "ResourceNotFound" => (user, Ok(Vec::new())),
                Some(e) => (user, Err(e)),
                None => {
                    let n =
                        rd::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo_count(d);
                    let mut creds = Vec::with_capacity(n);
                    for i in 0..n {
                        let info =
                            rd::rd_kafka_UserScramCredentialsDescription_scramcredentialinfo(d, i);
                        if info.is_null() {
                            continue;
                        }
                        let m = match ints::rd_kafka_ScramCredentialInfo_mechanism(info) {
                            1 => ScramMechanism::Sha256,
                            2 => ScramMechanism::Sha512,
                            _ => continue,
                        };
                        let iterations = rd::rd_kafka_ScramCredentialInfo_iterations(info);
                        creds.push((m, u32::try_from(iterations).unwrap_or(0)));
                    }
                    creds.sort();
                    (user, Ok(creds))
                }
            }
        }
    })?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Writes SCRAM credentials (upserts) for one user, one per mechanism, with a random
/// salt; one result per credential, in order.
pub(crate) fn upsert_user_scram_credentials(
    admin: &AdminClient<DefaultClientContext>,
    user: &str,
    credentials: &[(ScramMechanism, u32)],
    password: &[u8],
    timeout: Duration,
) -> Result<Vec<Result<(), BrokerError>>, FfiError> {
    const OP: &str = "AlterUserScramCredentials";
    if credentials.is_empty() {
        return Ok(Vec::new());
    }
    let name = c_string(OP, "user name", user)?;
    let mut objects = Vec::with_capacity(credentials.len());
    for (m, iterations) in credentials {
        let iterations = i32::try_from(*iterations)
            .map_err(|_| invalid(OP, format!("{iterations} iterations is out of range")))?;
        // SAFETY: `name` is a valid string and `password` a valid buffer of the given
        // length, both copied by librdkafka; a NULL salt asks librdkafka for a random one.
        let raw = unsafe {
            rd::rd_kafka_UserScramCredentialUpsertion_new(
                name.as_ptr(),
                mechanism(*m),
                iterations,
                password.as_ptr(),
                password.len(),
                ptr::null(),
                0,
            )
        };
        objects.push(
            ScramAlteration::from_raw(raw).ok_or_else(|| no_object(OP, "credential upsertion"))?,
        );
    }
    // SAFETY: the API, the event type and both accessors all belong to
    // AlterUserScramCredentials.
    let call = unsafe {
        AdminCall::new(
            OP,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_ALTERUSERSCRAMCREDENTIALS,
            rd::RD_KAFKA_EVENT_ALTERUSERSCRAMCREDENTIALS_RESULT,
            rd::rd_kafka_event_AlterUserScramCredentials_result,
            rd::rd_kafka_AlterUserScramCredentials_result_responses,
        )
    };
    let request = Array::objects(rd::rd_kafka_AlterUserScramCredentials, &objects);
    // One response per user, not per mechanism.
    let errors = call.call(admin, timeout, false, request, |r| {
        // SAFETY: `r` is a live response of the result array, owned by the live event.
        let err = unsafe { rd::rd_kafka_AlterUserScramCredentials_result_response_error(r) };
        (!err.is_null())
            // SAFETY: a live error owned by the response (checked non-NULL).
            .then(|| unsafe { borrowed_error(err) })
            .filter(|e| e.code != "NoError")
    })?;
    let error = errors.into_iter().flatten().last();
    Ok(credentials
        .iter()
        .map(|_| error.clone().map_or(Ok(()), Err))
        .collect())
}

/// The first authentication or TLS failure among the error events waiting on the
/// client's main queue, as `(code name, librdkafka's text)`; other events there are
/// dropped. librdkafka reports these failures only as such events (the request that hit
/// them just waits), and its texts name the mechanism, never the credentials.
pub(crate) fn connection_failure(
    admin: &AdminClient<DefaultClientContext>,
    api_versions: &mut Vec<String>,
) -> Option<(String, String)> {
    let rk = admin.inner().native_ptr();
    // SAFETY: `rk` is live for the borrow of `admin`; the queue reference is ours.
    let queue = Queue::from_raw(unsafe { rd::rd_kafka_queue_get_main(rk) })?;
    let mut found = None;
    // SAFETY: the queue is live; each event is owned by its guard.
    while let Some(event) = Event::from_raw(unsafe { rd::rd_kafka_queue_poll(queue.as_ptr(), 0) }) {
        // SAFETY: the event is live.
        match unsafe { rd::rd_kafka_event_type(event.as_ptr()) } {
            rd::RD_KAFKA_EVENT_LOG => {
                if let Some(line) = api_version_line(&event) {
                    api_versions.push(line);
                }
            }
            rd::RD_KAFKA_EVENT_ERROR if found.is_none() => {
                if let Some((code, message)) = event_error(&event) {
                    let name = code_name(code);
                    if name == "Authentication" || name == "SSL" {
                        found = Some((name, message));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// The text of a log event that lists one of the broker's ApiVersions (debug context
/// `feature`, facility `APIVERSION`), which is the only way librdkafka tells them.
fn api_version_line(event: &Event) -> Option<String> {
    let mut fac: *const c_char = ptr::null();
    let mut text: *const c_char = ptr::null();
    let mut level: c_int = 0;
    // SAFETY: the event is live and a log event; the strings it hands out live as long as
    // the event and are copied before it drops.
    let ok = unsafe { rd::rd_kafka_event_log(event.as_ptr(), &mut fac, &mut text, &mut level) };
    if ok != 0 || fac.is_null() || text.is_null() {
        return None;
    }
    // SAFETY: both are NUL-terminated strings owned by the live event.
    let (fac, text) = unsafe { (CStr::from_ptr(fac), CStr::from_ptr(text)) };
    let text = text.to_string_lossy();
    (fac.to_bytes() == b"APIVERSION" && text.contains("ApiKey ")).then(|| text.into_owned())
}

/// Lowers the client's log level once the debug lines it was raised for have arrived, so
/// the rest of its life queues no log events nobody reads.
pub(crate) fn quiet_logs(admin: &AdminClient<DefaultClientContext>) {
    // SAFETY: `rk` is live for the borrow of `admin`; the call only stores a level.
    unsafe { rd::rd_kafka_set_log_level(admin.inner().native_ptr(), 3) };
}
