//! What a rule set holds, asked in domain words: its entities and which of
//! them have members, its programs and which of them pay money, the inputs
//! a case or a member gives, and the value of a parameter in force on a day.
//!
//! Bindings and services ask these questions here rather than walking the
//! compiled [`Plan`](crate::plan::Plan).

use crate::outcome::{OutValue, RuleSetStamp};
use crate::value::Type;
use crate::{Date, EvalError, RuleSet};

impl RuleSet {
    /// The rule set's identity as outcomes carry it: id, version, hash.
    pub fn stamp(&self) -> RuleSetStamp {
        let h = &self.plan().header;
        RuleSetStamp {
            id: h.id.clone(),
            version: h.version.clone(),
            hash: h.hash.clone(),
            reform: h.reform.clone(),
        }
    }

    /// The entities cases can be of (`household`, `person`, `meal`…), in
    /// the order of the rule files.
    pub fn entity_names(&self) -> Vec<&str> {
        self.plan()
            .entities
            .iter()
            .map(|e| e.name.as_str())
            .collect()
    }

    /// Whether cases of `entity` have members (a collection such as a
    /// household's `members`).
    ///
    /// # Errors
    /// [`EvalError::UnknownEntity`].
    pub fn has_members(&self, entity: &str) -> Result<bool, EvalError> {
        let e = self.entity(entity)?;
        Ok(self
            .plan()
            .entities
            .get(e)
            .is_some_and(|e| !e.collections.is_empty()))
    }

    /// The programs, in order: every one, or those whose cases are of
    /// `entity`.
    ///
    /// # Errors
    /// [`EvalError::UnknownEntity`] when `entity` is not an entity.
    pub fn program_names(&self, entity: Option<&str>) -> Result<Vec<&str>, EvalError> {
        let e = entity.map(|name| self.entity(name)).transpose()?;
        Ok(self
            .plan()
            .programs
            .iter()
            .filter(|p| e.is_none_or(|e| p.entity == e))
            .map(|p| &*p.name)
            .collect())
    }

    /// Whether `program` pays money: its amount is money (not a count or
    /// a rate), so it counts in costs. False for a name that is not a
    /// program.
    pub fn pays_money(&self, program: &str) -> bool {
        let plan = self.plan();
        plan.program_index(program)
            .and_then(|p| plan.programs[p].amount)
            .and_then(|c| plan.computeds.get(c))
            .is_some_and(|c| c.ty == Type::Money)
    }

    /// The type of the input `name` of a case of the entity at index
    /// `entity`, if the entity has that input.
    pub fn case_input(&self, entity: usize, name: &str) -> Option<&Type> {
        let e = self.plan().entities.get(entity)?;
        e.inputs.iter().find(|i| i.name == name).map(|i| &i.ty)
    }

    /// The type of the input `name` of a member (of any collection) of a
    /// case of the entity at index `entity`.
    pub fn member_input(&self, entity: usize, name: &str) -> Option<&Type> {
        let plan = self.plan();
        plan.entities
            .get(entity)?
            .collections
            .iter()
            .filter_map(|c| plan.entities.get(c.entity))
            .flat_map(|m| m.inputs.iter())
            .find(|i| i.name == name)
            .map(|i| &i.ty)
    }

    /// Whether `name` is a parameter of the rule set.
    pub fn is_parameter(&self, name: &str) -> bool {
        self.plan().param_index(name).is_some()
    }

    /// The value of the parameter `name` in force on `day`: `None` when
    /// `name` is not a parameter or no version of it is in force then.
    pub fn parameter_in_force(&self, name: &str, day: Date) -> Option<OutValue> {
        self.parameter_on(name, day)
            .ok()
            .flatten()
            .map(|u| u.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Date, Decimal, RuleSet};

    fn rules() -> RuleSet {
        RuleSet::load_dir("../rules/cn-qingdao-chengyang").unwrap()
    }

    #[test]
    fn answers_about_entities_programs_and_parameters() {
        let r = rules();
        assert_eq!(&*r.stamp().hash, r.hash());
        assert!(r.entity_names().contains(&"household"));
        assert!(r.has_members("household").unwrap());
        assert!(!r.has_members("meal").unwrap());
        assert!(r.has_members("spaceship").is_err());
        let household = r.program_names(Some("household")).unwrap();
        assert!(household.contains(&"dibao") && !household.contains(&"meal_subsidy"));
        assert!(r.program_names(None).unwrap().len() > household.len());
        assert!(r.pays_money("dibao") && !r.pays_money("no_such_program"));
        let e = r.entity("household").unwrap();
        assert!(r.case_input(e, "financial_assets").is_some());
        assert!(r.case_input(e, "monthly_income").is_none());
        assert!(r.member_input(e, "monthly_income").is_some());
        let on = Date::parse("2023-09-06").unwrap();
        let v = r.parameter_in_force("dibao_standard", on).unwrap();
        assert_eq!(v.decimal(), Some(Decimal::from(1045)));
        let before = Date::parse("2000-01-01").unwrap();
        assert!(r.is_parameter("dibao_standard"));
        assert!(r.parameter_in_force("dibao_standard", before).is_none());
        assert!(!r.is_parameter("nothing") && r.parameter_in_force("nothing", on).is_none());
    }
}
